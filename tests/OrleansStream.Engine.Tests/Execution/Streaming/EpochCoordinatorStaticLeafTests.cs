using OrleansStream.Engine.Execution.Streaming;

namespace OrleansStream.Engine.Tests.Execution.Streaming;

/// <summary>
/// A batch relation in a streaming query (the static side of a stream-static join) is read whole by every epoch, at the version
/// the epoch wrote ahead: new static data shows in the next epoch, a replay reads what its first run read, and a change of
/// the static data alone runs no epoch.
/// </summary>
public sealed class EpochCoordinatorStaticLeafTests
{
    [Fact]
    public async Task StaticVersion_IsWrittenAheadWithEachEpoch_AndItsChangeAloneRunsNoEpoch()
    {
        var world = new FakeEpochWorld { Stateful = false, StaticVersion = "t1" };
        world.Input.AddRange([1, 2, 3]);
        await world.RunUntilIdleAsync();
        Assert.Equal(["t1", "t1"], world.WriteAheads.Values.Select(r => r.StaticVersions[FakeEpochWorld.StaticLeaf]));
        Assert.Equal(["v1", "v2", "static=t1"], world.Sink[0]);

        world.StaticVersion = "t2";
        await world.RunUntilIdleAsync();
        Assert.Equal(2, world.WriteAheads.Count);

        world.Input.Add(4);
        await world.RunUntilIdleAsync();
        Assert.Equal("t2", world.WriteAheads[2].StaticVersions[FakeEpochWorld.StaticLeaf]);
        Assert.Equal(["v4", "static=t2"], world.Sink[2]);
    }

    [Theory]
    [InlineData(EpochStep.AfterWriteAhead)]
    [InlineData(EpochStep.AfterSourceTasks)]
    [InlineData(EpochStep.AfterSinkCommit)]
    public async Task EpochRunAgainAfterACrash_ReadsTheVersionItWasPlannedWith(EpochStep step)
    {
        var world = new FakeEpochWorld { StaticVersion = "t1" };
        world.Input.AddRange([1, 2]);
        world.FaultAt(step, 1);
        await Assert.ThrowsAsync<CrashException>(() => world.Start().Coordinator.RunAsync(CancellationToken.None));

        // New static data arrives while the query is down: the replayed epoch still reads t1 (the fake's sink asserts that
        // a replay stages what the first run committed), later epochs read t2.
        world.StaticVersion = "t2";
        world.Input.Add(3);
        await world.RunUntilIdleAsync();

        Assert.Equal("static=t1", world.Sink[0][2]);
        Assert.Equal("t1", world.WriteAheads[0].StaticVersions[FakeEpochWorld.StaticLeaf]);
        Assert.All(world.WriteAheads.Values.Skip(1), r => Assert.Equal("t2", r.StaticVersions[FakeEpochWorld.StaticLeaf]));
        Assert.Contains("static=t2", world.Sink[1]);
    }
}
