using OrleansStream.Engine.Operators.Stateful;
using OrleansStream.Grains.Placement;
using OrleansStream.Interfaces.Hosting;

namespace OrleansStream.Grains.Hosting;

/// <summary>Answers, on its silo, which user code the silo lacks (its <see cref="IStatefulProcessorFactory"/>).</summary>
[SiloTargetedPlacement]
internal sealed class SiloCodeCatalogGrain(IStatefulProcessorFactory processors, ILocalSiloDetails silo) : Grain, ISiloCodeCatalogGrain
{
    public Task<List<string>> MissingProcessorsAsync(List<string> typeNames) =>
        Task.FromResult(typeNames.Where(t => !processors.CanCreate(t)).ToList());

    public Task<string> SiloNameAsync() => Task.FromResult($"{silo.Name} ({silo.SiloAddress.ToParsableString()})");
}
