using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrleansStream.Grains.Tests.Infrastructure;
using OrleansStream.Engine.Data;
using OrleansStream.Grains.Execution;
using OrleansStream.Interfaces.Execution;
using OrleansStream.Interfaces.Sinks;
using OrleansStream.Plan.Types;

namespace OrleansStream.Grains.Tests.Execution;

/// <summary>The epoch's cached grain references are the references Orleans makes: same grain, same interface, same activation.</summary>
public sealed class GrainReferencesTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private IHost _silo = null!;

    private IGrainFactory Grains => _silo.Services.GetRequiredService<IGrainFactory>();

    public async Task InitializeAsync() => _silo = await TestSilo.StartAsync("references", Path.Combine(_data.Path, "silo"));

    public async Task DisposeAsync()
    {
        await _silo.StopAsync();
        _silo.Dispose();
        _data.Dispose();
    }

    [Fact]
    public void Reference_OfAnyKey_EqualsTheOneGetGrainMakes_ForEachInterface()
    {
        foreach (var key in new[] { "q|stage0|0", "q|stage0|1", "q|0", "other/query|stage3|7" })
        {
            AssertSame(Grains.GetGrain<IStatePartitionGrain>(key), Grains.Reference<IStatePartitionGrain>(key));
            AssertSame(Grains.GetGrain<ISinkGrain>(key), Grains.Reference<ISinkGrain>(key));
            AssertSame(Grains.GetGrain<ISourceTaskGrain>(key), Grains.Reference<ISourceTaskGrain>(key));
        }
    }

    [Fact]
    public async Task Calls_ThroughACachedReference_ReachTheActivationGetGrainReaches()
    {
        _ = Grains.Reference<IMemorySinkGrain>("first");
        var cached = Grains.Reference<IMemorySinkGrain>("table");
        await cached.ApplyAsync(Guid.NewGuid(), 0, replace: false,
            ArrowIpc.Serialize(ArrowValues.FromRows(DataTypes.ParseSchema("k STRING"), [["a"], ["b"]])));
        var read = ArrowIpc.DeserializeMany(await Grains.GetGrain<IMemorySinkGrain>("table").ReadAsync());
        Assert.Equal(2, read.Sum(b => b.Length));
    }

    private static void AssertSame(object expected, object actual)
    {
        var (e, a) = ((GrainReference)expected, (GrainReference)actual);
        Assert.Equal(e.GrainId, a.GrainId);
        Assert.Equal(e.InterfaceType, a.InterfaceType);
        Assert.Equal(e.GetType(), a.GetType());
        Assert.Equal(e, a);
    }
}
