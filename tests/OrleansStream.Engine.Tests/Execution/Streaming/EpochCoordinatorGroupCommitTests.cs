using OrleansStream.Engine.Execution.Streaming;

namespace OrleansStream.Engine.Tests.Execution.Streaming;

/// <summary>
/// Group commit of the write-ahead (AvailableNow, no watermark, no processing-time timers): the epochs planned ahead are
/// planned several at a time and their offset records written in one write, the next group as soon as the previous
/// group's write is durable, so that the write-ahead chain costs one write per group instead of one per epoch. The
/// protocol's order holds per epoch: its offset record is durable before its partitions (its state version) and its sink
/// commit, its commit record only after its sink and its state, one write at a time; a crash at any step gives the same
/// epochs and exactly-once output as a run planned in line.
/// </summary>
public sealed class EpochCoordinatorGroupCommitTests
{
    // Event times in seconds, no watermark; two rows an epoch: 5 then 3 epochs.
    private static readonly long[][] Chunks = [[1, 2, 3, 4, 5, 6, 7, 8, 9], [10, 11, 12, 13, 14, 15]];

    [Theory]
    [InlineData(false, 2)]
    [InlineData(true, 2)]
    [InlineData(false, 3)]
    [InlineData(true, 3)]
    public async Task OneWriteCoversSeveralEpochs_EachDurableBeforeItsPartitionsAndSink_SourceTasksBesideIt(bool stateful, int group)
    {
        var reference = await RunAsync(null, stateful, planAhead: false);
        // Each write is persisted only when an epoch's source tasks run: a coordinator that waited for a group's write before
        // the source tasks of its first epoch would wait forever.
        var world = await RunAsync(null, stateful, group: group, slowWriteAheads: true, persistAt: EpochStep.AfterSourceTasks);

        EpochCoordinatorCrashTests.AssertSameRun(reference, world, compareCommits: true);
        var events = world.Events;
        string Order() => string.Join(", ", events);
        var writes = world.Saves.Where(s => s.Offsets.Length > 0).ToList();
        Assert.Contains(writes, w => w.Offsets.Length == group);
        Assert.True(writes.Count < world.WriteAheads.Count, $"{writes.Count} write-aheads for {world.WriteAheads.Count} epochs");
        Assert.Equal(1, world.MostWritesInFlight);
        foreach (var (batchId, _) in world.WriteAheads)
        {
            var wal = events.IndexOf($"wal {batchId}");
            Assert.True(wal < events.IndexOf($"sink {batchId}"), $"epoch {batchId}'s sink committed before its write-ahead: {Order()}");
            Assert.True(events.IndexOf($"sink {batchId}") < events.IndexOf($"commit {batchId}"), $"epoch {batchId} committed before its sink: {Order()}");
            if (stateful)
            {
                // (Its commit record is persisted only with its state version durable: FakeEpochWorld.Persist checks it.)
                Assert.True(wal < events.IndexOf($"partitions {batchId}"), $"epoch {batchId}'s partitions ran before its write-ahead: {Order()}");
            }
        }
        // Epochs 1 to group, planned together while epoch 0 ran: the first runs its source tasks while their write is in flight.
        Assert.Equal(Enumerable.Range(1, group).Select(e => (long)e), writes[1].Offsets);
        Assert.True(events.IndexOf("sources 1") < events.IndexOf("wal 1"), $"epoch 1's source tasks waited for its group's write: {Order()}");
    }

    // Each group's write is durable only when its first epoch runs (a write slower than the previous group's epochs): the
    // groups double while their epochs wait on the write, up to WriteAheadGroupGrowth times the configured size, with the
    // same epochs, order and exactly-once output as a run planned in line.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EpochsWaitingOnTheirGroupsWrite_GrowTheGroupsUpToTheirLimit(bool stateful)
    {
        long[][] chunks = [Enumerable.Range(1, 80).Select(r => (long)r).ToArray()];
        var reference = new FakeEpochWorld { Stateful = stateful, Watermarked = false, PlanAhead = false };
        await reference.RunChunksAsync(chunks);
        var world = new FakeEpochWorld
        {
            Stateful = stateful, Watermarked = false, WriteAheadGroup = 2, WriteAheadGroupGrowth = 4, SlowWriteAheads = true,
            WriteAheadsPersistWithTheirFirstEpoch = true,
            // Source tasks started ahead would persist each group's write (as this fake does at its first epoch's source
            // tasks) before the group is taken: no epoch would wait on its write, and the groups would not grow.
            SourceTasksRunAhead = false,
        };
        await world.RunChunksAsync(chunks);

        EpochCoordinatorCrashTests.AssertSameRun(reference, world, compareCommits: true);
        Assert.Equal(1, world.MostWritesInFlight);
        var sizes = world.Saves.Where(s => s.Offsets.Length > 0).Select(s => s.Offsets.Length).ToList();
        // Epoch 0 alone, then groups of 2, 4 and 8, the last one cut by the end of the backlog.
        Assert.Equal([1, 2, 4, 8, 8, 8, 8, 1], sizes);
        var events = world.Events;
        foreach (var (batchId, _) in world.WriteAheads)
        {
            Assert.True(events.IndexOf($"wal {batchId}") < events.IndexOf($"sink {batchId}"), $"epoch {batchId}'s sink committed before its write-ahead");
            if (stateful) Assert.True(events.IndexOf($"wal {batchId}") < events.IndexOf($"partitions {batchId}"), $"epoch {batchId}'s partitions ran before its write-ahead");
        }
    }

    public static TheoryData<EpochStep, int, bool> Crashes()
    {
        var data = new TheoryData<EpochStep, int, bool>();
        foreach (var stateful in new[] { false, true })
            foreach (var step in Enum.GetValues<EpochStep>())
                for (var occurrence = 1; occurrence <= 3; occurrence++)
                    if (stateful || step is not (EpochStep.AfterPartitions or EpochStep.DuringIdleCommit)) data.Add(step, occurrence, stateful);
        return data;
    }

    // A kill at any step, between two group writes or with one in flight, restarts over the records persisted: the epochs
    // written ahead and not committed are re-run with exactly their recorded offsets.
    [Theory]
    [MemberData(nameof(Crashes))]
    public async Task CrashAtStep_WithGroupWrites_TheRestartedRunMakesTheSameDecisions(EpochStep step, int occurrence, bool stateful)
    {
        var reference = await RunAsync(null, stateful, planAhead: false);
        // Fewer writes than epochs: a step of the writes may come fewer times than the occurrence asked for.
        if ((await RunAsync(null, stateful, slowWriteAheads: true)).Seen(step) < occurrence) return;
        var crashed = await RunAsync(world => world.FaultAt(step, occurrence), stateful, slowWriteAheads: true);

        Assert.Equal(1, crashed.Fired);
        EpochCoordinatorCrashTests.AssertSameRun(reference, crashed, compareCommits: true);
        Assert.Equal(1, crashed.MostWritesInFlight);
    }

    // A transient failure of an epoch (not of a write-ahead) retries it in the same process, with the rest of its group
    // still planned: the same epochs and output.
    [Theory]
    [InlineData(EpochStep.AfterSourceTasks, 3)]
    [InlineData(EpochStep.AfterPartitions, 3)]
    [InlineData(EpochStep.AfterSinkCommit, 2)]
    [InlineData(EpochStep.AfterSinkLog, 4)]
    [InlineData(EpochStep.DuringIdleCommit, 1)]
    public async Task TransientFailureAtStep_WithGroupWrites_TheRetriedRunHasTheSameOutput(EpochStep step, int occurrence)
    {
        var reference = await RunAsync(null, stateful: true, planAhead: false);
        var retried = await RunAsync(world => world.FaultAt(step, occurrence, transient: true), stateful: true, slowWriteAheads: true, stopAfterFirstFire: true);

        Assert.Equal(1, retried.Fired);
        EpochCoordinatorCrashTests.AssertSameRun(reference, retried, compareCommits: true);
    }

    private static async Task<FakeEpochWorld> RunAsync(Action<FakeEpochWorld>? arm, bool stateful, bool planAhead = true, int? group = null,
        bool slowWriteAheads = false, bool stopAfterFirstFire = false, EpochStep? persistAt = null)
    {
        var world = new FakeEpochWorld
        {
            Stateful = stateful, Watermarked = false, PlanAhead = planAhead, WriteAheadGroup = group, SlowWriteAheads = slowWriteAheads, WriteAheadsPersistAt = persistAt,
        };
        arm?.Invoke(world);
        await world.RunChunksAsync(Chunks, stopAfterFirstFire);
        return world;
    }
}
