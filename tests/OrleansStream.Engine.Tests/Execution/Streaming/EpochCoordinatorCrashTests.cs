using OrleansStream.Engine.Execution.Streaming;

namespace OrleansStream.Engine.Tests.Execution.Streaming;

/// <summary>
/// The epoch protocol with a crash injected at every step: a coordinator restarted over the persisted records makes the
/// same decisions as an undisturbed run (same offsets, timestamp, watermark and partitions per batch id, no batch id or
/// offset planned twice) and the sink sees each epoch's rows exactly once.
/// </summary>
public sealed class EpochCoordinatorCrashTests
{
    // Event times in seconds; two rows an epoch; the 5 s watermark moves with every chunk, so no-data epochs run too.
    private static readonly long[][] Chunks = [[1, 2, 3], [10, 4], [20, 21, 22, 5, 30]];

    public static TheoryData<EpochStep, int> Crashes()
    {
        var data = new TheoryData<EpochStep, int>();
        foreach (var step in Enum.GetValues<EpochStep>())
            for (var occurrence = 1; occurrence <= 3; occurrence++) data.Add(step, occurrence);
        return data;
    }

    [Theory]
    [MemberData(nameof(Crashes))]
    public async Task CrashAtStep_TheRestartedRunMakesTheSameDecisions(EpochStep step, int occurrence)
    {
        var reference = await RunScenarioAsync(null);
        var crashed = await RunScenarioAsync(world => world.FaultAt(step, occurrence));

        Assert.Equal(1, crashed.Fired);
        AssertSameRun(reference, crashed, compareCommits: true);
    }

    [Theory]
    [MemberData(nameof(Crashes))]
    public async Task CrashAtStep_Stateless_TheRestartedRunMakesTheSameDecisions(EpochStep step, int occurrence)
    {
        // A stateless query has no partitions, and its epoch is durable once its sink committed.
        if (step is EpochStep.AfterPartitions or EpochStep.DuringIdleCommit) return;
        var reference = await RunScenarioAsync(null, stateful: false);
        var crashed = await RunScenarioAsync(world => world.FaultAt(step, occurrence), stateful: false);

        Assert.Equal(1, crashed.Fired);
        AssertSameRun(reference, crashed, compareCommits: true);
    }

    // An epoch planned in line runs its source tasks while its write-ahead is in flight: a crash at any step, that write's
    // included, still gives the undisturbed run's epochs and exactly-once output.
    [Theory]
    [MemberData(nameof(Crashes))]
    public async Task CrashAtStep_WithWriteAheadsInFlight_TheRestartedRunMakesTheSameDecisions(EpochStep step, int occurrence)
    {
        var reference = await RunScenarioAsync(null);
        var crashed = await RunScenarioAsync(world => world.FaultAt(step, occurrence), slowWriteAheads: true);

        Assert.Equal(1, crashed.Fired);
        AssertSameRun(reference, crashed, compareCommits: true);
    }

    [Theory]
    [MemberData(nameof(Crashes))]
    public async Task CrashAtStep_Stateless_WithWriteAheadsInFlight_TheRestartedRunMakesTheSameDecisions(EpochStep step, int occurrence)
    {
        if (step is EpochStep.AfterPartitions or EpochStep.DuringIdleCommit) return;
        var reference = await RunScenarioAsync(null, stateful: false, watermarked: false);
        var crashed = await RunScenarioAsync(world => world.FaultAt(step, occurrence), stateful: false, watermarked: false, slowWriteAheads: true);

        Assert.Equal(1, crashed.Fired);
        AssertSameRun(reference, crashed, compareCommits: true);
    }

    // A transient failure retries in the same process: the epochs run but not committed (at most two) run again first.
    [Theory]
    [InlineData(EpochStep.AfterSourceTasks, 4)]
    [InlineData(EpochStep.AfterPartitions, 5)]
    [InlineData(EpochStep.AfterSinkCommit, 3)]
    [InlineData(EpochStep.AfterSinkLog, 2)]
    [InlineData(EpochStep.DuringIdleCommit, 1)]
    public async Task TransientFailureAtStep_TheRetriedRunHasTheSameOutput(EpochStep step, int occurrence)
    {
        var reference = await RunScenarioAsync(null);
        var retried = await RunScenarioAsync(world => world.FaultAt(step, occurrence, transient: true), stopAfterFirstFire: true);

        Assert.Equal(1, retried.Fired);
        AssertSameRun(reference, retried, compareCommits: true);
    }

    [Fact]
    public async Task Scenario_RunsDataAndNoDataEpochs_WithTheWatermarkOfThePreviousEpoch()
    {
        var world = await RunScenarioAsync(null);

        Assert.Equal(
        [
            "e0:count=2:wm=0:late=0", "e1:count=3:wm=0:late=0", "e2:count=5:wm=0:late=0",
            "e3:count=5:wm=5000:late=0", // no data: the watermark moved to 10 s - 5 s
            "e4:count=7:wm=5000:late=5000", "e5:count=9:wm=16000:late=5000", "e6:count=10:wm=17000:late=16000",
            "e7:count=10:wm=25000:late=17000",
        ], world.Sink.Values.Select(rows => rows.Single(r => r.StartsWith('e'))).Select(r => string.Join(':', r.Split(':').Take(4))));
        Assert.Equal(world.Input.Count, world.Sink.Values.Sum(rows => rows.Count(r => r.StartsWith('v'))));
    }

    internal static async Task<FakeEpochWorld> RunScenarioAsync(Action<FakeEpochWorld>? arm, bool stateful = true, bool stopAfterFirstFire = false,
        bool watermarked = true, bool planAhead = true, bool slowWriteAheads = false)
    {
        var world = new FakeEpochWorld { Stateful = stateful, Watermarked = watermarked, PlanAhead = planAhead, SlowWriteAheads = slowWriteAheads };
        arm?.Invoke(world);
        await world.RunChunksAsync(Chunks, stopAfterFirstFire);
        return world;
    }

    internal static void AssertSameRun(FakeEpochWorld reference, FakeEpochWorld actual, bool compareCommits)
    {
        Assert.Equal(reference.WriteAheads.Keys, actual.WriteAheads.Keys);
        foreach (var (batchId, offsets) in reference.WriteAheads)
            Assert.True(offsets.SameAs(actual.WriteAheads[batchId]), $"batch {batchId} was planned differently");
        Assert.Equal(reference.Sink.Keys, actual.Sink.Keys);
        foreach (var (batchId, rows) in reference.Sink) Assert.Equal(rows, actual.Sink[batchId]);
        Assert.Equal(reference.SinkLog.Keys, actual.SinkLog.Keys);
        // Every input row reached the sink exactly once.
        Assert.Equal(actual.Input.Select(v => $"v{v}").Order(), actual.Sink.Values.SelectMany(r => r).Where(r => r.StartsWith('v')).Order());
        Assert.Equal(reference.Persisted.LastCommitted, actual.Persisted.LastCommitted);
        if (compareCommits) Assert.Equal(reference.Persisted.Commits.Records, actual.Persisted.Commits.Records);
        Assert.Equal(reference.Persisted.EventTimeMaxMs, actual.Persisted.EventTimeMaxMs);
    }
}
