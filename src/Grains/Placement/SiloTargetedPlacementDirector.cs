using Orleans.Runtime.Placement;

namespace OrleansStream.Grains.Placement;

/// <summary>Chooses the silo whose address is the grain's key; refuses when that silo is not (or no longer) in the cluster.</summary>
internal sealed class SiloTargetedPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var key = target.GrainIdentity.Key.ToString();
        var silo = context.GetCompatibleSilos(target).FirstOrDefault(s => s.ToParsableString() == key)
            ?? throw new OrleansException($"Silo {key} is not an active silo of the cluster: grain {target.GrainIdentity} cannot be placed on it.");
        return Task.FromResult(silo);
    }
}
