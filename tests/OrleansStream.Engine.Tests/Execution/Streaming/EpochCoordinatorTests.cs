using OrleansStream.Engine.Execution.Streaming;

namespace OrleansStream.Engine.Tests.Execution.Streaming;

/// <summary>The exactly-once rules of the epoch protocol, one at a time, on the fake runtime.</summary>
public sealed class EpochCoordinatorTests
{
    [Fact]
    public async Task StatefulCommitRecord_RidesOnTheWriteAheadAfterEveryPartitionAnsweredTheNextEpoch()
    {
        // Planned in line (planning ahead moves each commit one write-ahead later: EpochCoordinatorPlanAheadTests).
        var world = new FakeEpochWorld { PlanAhead = false };
        world.Input.AddRange([1, 2, 3, 4, 5, 6]);

        await world.RunUntilIdleAsync();

        // Epochs 0-2 from data, 3 without (the watermark moved to 1 s).
        Assert.Equal([0L, 1L, 2L, 3L], world.WriteAheads.Keys);
        // A partition answers epoch e once its version e-2 is durable (e-1's write may still be in flight): epoch 0's commit
        // record rides on epoch 3's write-ahead, once every partition answered epoch 2.
        Assert.Equal([1L], world.Saves[1].Offsets);
        Assert.Empty(world.Saves[1].Commits);
        Assert.Equal([2L], world.Saves[2].Offsets);
        Assert.Empty(world.Saves[2].Commits);
        Assert.Equal([3L], world.Saves[3].Offsets);
        Assert.Equal([0L], world.Saves[3].Commits);
        // The last three epochs are committed alone when the query goes idle, after waiting for the newest state version.
        Assert.Empty(world.Saves[^1].Offsets);
        Assert.Equal([1L, 2L, 3L], world.Saves[^1].Commits);
        Assert.Equal([3L], world.DurableWaits);
    }

    [Fact]
    public async Task StatelessCommitRecord_RidesOnTheNextWriteAhead_AndTheLastIsWrittenAloneWhenIdle()
    {
        var world = new FakeEpochWorld { Stateful = false, PlanAhead = false };
        world.Input.AddRange([1, 2, 3]);

        await world.RunUntilIdleAsync();

        // Epochs 0 and 1 from data: one durable write per epoch, then the idle round's commit.
        Assert.Equal(3, world.Saves.Count);
        Assert.Equal([0L], world.Saves[0].Offsets);
        Assert.Empty(world.Saves[0].Commits);
        Assert.Equal([1L], world.Saves[1].Offsets);
        Assert.Equal([0L], world.Saves[1].Commits);
        Assert.Empty(world.Saves[2].Offsets);
        Assert.Equal([1L], world.Saves[2].Commits);
        Assert.Equal(1, world.Persisted.LastCommitted);
        Assert.Empty(world.DurableWaits);
    }

    [Fact]
    public async Task IdleRound_CommitsEveryEpochRunBeforeItCountsAsIdle()
    {
        var world = new FakeEpochWorld();
        world.Input.AddRange([1, 2, 3]);
        var (coordinator, _) = world.Start(TriggerPolicy.ProcessingTime(TimeSpan.Zero));
        var run = coordinator.RunAsync(CancellationToken.None);
        await Eventually(() => coordinator.LastIdleRound > 0);

        // Rounds 1 and 2 ran the epochs, every later one was idle (the default trigger asks again soon after an epoch).
        Assert.Equal(1, world.Persisted.LastCommitted);
        Assert.Equal([0L, 1L], world.WriteAheads.Keys);
        Assert.True(coordinator.LastIdleRound >= 3);
        coordinator.RequestStop();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task IdleRound_CountsOnlyOnceEveryProgressWasReported()
    {
        // The host reports progress off the coordinator's turn: processAllAvailable must still find every epoch's.
        var world = new FakeEpochWorld();
        world.Input.AddRange([1, 2, 3]);
        var (coordinator, runtime) = world.Start(TriggerPolicy.ProcessingTime(TimeSpan.Zero));
        var reported = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        runtime.ProgressReported = reported.Task;
        var run = coordinator.RunAsync(CancellationToken.None);
        await Eventually(() => world.Persisted.LastCommitted == 1 && !coordinator.IsTriggerActive);
        await Task.Delay(100);

        Assert.Equal(0, coordinator.LastIdleRound);
        reported.SetResult();
        await Eventually(() => coordinator.LastIdleRound > 0);
        coordinator.RequestStop();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ResumedRun_AnswersProcessAllAvailable_OnlyAfterItsReplayedAndDueEpochsCommitted()
    {
        // The first run wrote epoch 1 ahead and crashed before committing it; more input arrived meanwhile.
        var world = new FakeEpochWorld();
        world.Input.AddRange([1, 2, 3, 4]);
        world.FaultAt(EpochStep.AfterSinkLog, occurrence: 2);
        await Assert.ThrowsAsync<CrashException>(() => world.Start().Coordinator.RunAsync(CancellationToken.None));
        world.StopFaults();
        world.Input.AddRange([5, 6]);

        // processAllAvailable on the resumed run asks before the run has planned anything (as the trigger grain's ticket does).
        world.Resumed = true;
        var (coordinator, runtime) = world.Start(TriggerPolicy.ProcessingTime(TimeSpan.Zero));
        var ticket = coordinator.PlanRound + 1;
        var run = coordinator.RunAsync(CancellationToken.None);
        await Eventually(() => coordinator.LastIdleRound >= ticket);

        // The ticket is honoured only once the replayed epoch and every epoch due for the later input are committed.
        // Epoch 0's commit record rides on a later write-ahead (stateful), so both written-ahead epochs run again.
        Assert.Equal([0L, 1L], runtime.Replayed);
        Assert.Equal(runtime.Progress.Select(p => p.BatchId).Distinct(), runtime.Progress.Select(p => p.BatchId));
        Assert.Contains(runtime.Progress, p => p.BatchId == 1);
        Assert.Equal(world.WriteAheads.Keys.Max(), world.Persisted.LastCommitted);
        Assert.Equal(6, world.Sink.Values.Sum(rows => rows.Count(r => r.StartsWith('v'))));
        coordinator.RequestStop();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task DefaultTrigger_AsksTheSourcesAgainSoonAfterAnEpoch_NotAfterThePollingDelay()
    {
        // Rows that arrive just after an epoch found nothing new are taken within milliseconds, though the delay is a minute.
        var world = new FakeEpochWorld { Stateful = false, PollingDelay = TimeSpan.FromMinutes(1) };
        world.Input.AddRange([1, 2]);
        var (coordinator, _) = world.Start(TriggerPolicy.ProcessingTime(TimeSpan.Zero));
        var run = coordinator.RunAsync(CancellationToken.None);
        await Eventually(() => coordinator.LastIdleRound > 0);
        var epochs = world.WriteAheads.Count;

        world.Input.Add(3);
        await Eventually(() => world.WriteAheads.Count > epochs);

        Assert.Contains(world.Sink.Values, rows => rows.Contains("v3"));
        coordinator.RequestStop();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void IdlePolling_WaitsOneMillisecondAfterAnEpoch_AndDoublesUpToThePollingDelay()
    {
        var polling = new IdlePolling(TimeSpan.FromMilliseconds(10));
        // Before any epoch, Spark's delay.
        Assert.Equal(TimeSpan.FromMilliseconds(10), polling.Next());
        polling.OnEpoch();
        Assert.Equal([1.0, 2, 4, 8, 10, 10], Enumerable.Range(0, 6).Select(_ => polling.Next().TotalMilliseconds));
        polling.OnEpoch();
        Assert.Equal(TimeSpan.FromMilliseconds(1), polling.Next());
        // A polling delay shorter than the first wait is never exceeded.
        var fast = new IdlePolling(TimeSpan.FromMilliseconds(0.5));
        fast.OnEpoch();
        Assert.Equal(TimeSpan.FromMilliseconds(0.5), fast.Next());
    }

    [Fact]
    public async Task ProcessingTimeTrigger_CommitsBeforeWaitingForTheNextInterval()
    {
        var world = new FakeEpochWorld();
        world.Input.AddRange([1, 2]);
        var (coordinator, _) = world.Start(TriggerPolicy.ProcessingTime(TimeSpan.FromHours(1)));
        var run = coordinator.RunAsync(CancellationToken.None);
        await Eventually(() => coordinator.PlanRound == 1 && !coordinator.IsTriggerActive);
        await Task.Delay(50);

        Assert.Equal(0, world.Persisted.LastCommitted);
        Assert.Equal(1, coordinator.PlanRound);
        coordinator.RequestStop();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task TriggerOnce_RunsOneEpochAndCommitsItAtStop()
    {
        var world = new FakeEpochWorld();
        world.Input.AddRange([1, 2, 3]);
        var (coordinator, _) = world.Start(TriggerPolicy.Once);

        await coordinator.RunAsync(CancellationToken.None);

        Assert.Equal([0L], world.WriteAheads.Keys);
        Assert.Equal(0, world.Persisted.LastCommitted);
    }

    [Fact]
    public async Task TransientFailureOutlastingTheBudget_FailsTheQueryNamingTheBatch()
    {
        var world = new FakeEpochWorld();
        world.Input.AddRange([1, 2]);
        world.FaultAt(EpochStep.AfterPartitions, occurrence: 0, transient: true);
        // The budget runs on the world's clock, which moves 200 ms at each retry: it runs out at the fourth attempt,
        // however slowly a loaded machine runs them.
        world.ClockStepPerRetry = TimeSpan.FromMilliseconds(200);
        var (coordinator, runtime) = world.Start(retryBudget: TimeSpan.FromMilliseconds(500));

        var error = await Assert.ThrowsAsync<EpochFailedException>(() => coordinator.RunAsync(CancellationToken.None));

        Assert.StartsWith("Batch 0 failed", error.Message);
        Assert.Contains("transient failure at AfterPartitions", error.Message);
        Assert.Equal(3, runtime.Retries.Count);
        Assert.All(runtime.Retries, r => Assert.Equal(0, r.BatchId));
    }

    [Fact]
    public async Task TransientFailure_RerunsTheUncommittedEpochsFirst_FromTheirRecords()
    {
        var world = new FakeEpochWorld();
        world.Input.AddRange([1, 2, 3, 4, 5, 6]);
        // Epoch 2 fails after its partitions: epochs 0 and 1 (run, not committed: their state versions may not be durable
        // yet) run again before it.
        world.FaultAt(EpochStep.AfterPartitions, occurrence: 3, transient: true);
        var (coordinator, runtime) = world.Start();
        var run = coordinator.RunAsync(CancellationToken.None);
        while (world.Fired == 0) await Task.Yield();
        world.StopFaults();
        await run;

        Assert.Equal([(2L, 1)], runtime.Retries);
        Assert.Equal([0L, 1L], runtime.Replayed);
        Assert.Equal([0L, 1L, 2L, 3L], world.WriteAheads.Keys);
        Assert.Equal(6, world.Sink.Values.Sum(rows => rows.Count(r => r.StartsWith('v'))));
    }

    [Fact]
    public async Task ResumedRun_KeepsItsPartitionCount_ANewRunRescalesAfterCommitting()
    {
        var world = new FakeEpochWorld { StatePartitions = 3 };
        world.Input.AddRange([1, 2]);
        world.FaultAt(EpochStep.AfterSinkLog, occurrence: 1);
        await Assert.ThrowsAsync<CrashException>(() => world.Start().Coordinator.RunAsync(CancellationToken.None));

        // The coordinator moved to a cluster of another size: the resumed run keeps 3.
        world.StatePartitions = 5;
        world.Resumed = true;
        world.Input.AddRange([3, 4]);
        await world.RunUntilIdleAsync();
        Assert.Equal(3, world.WriteAheads[1].StatePartitions[0]);

        // A new run rescales, committing what ran before its first epoch.
        world.Resumed = false;
        world.Input.AddRange([5, 6]);
        await world.RunUntilIdleAsync();
        Assert.Equal(5, world.WriteAheads[2].StatePartitions[0]);
        Assert.Equal(5, world.Persisted.StatePartitions[0]);
    }

    [Fact]
    public async Task Rescale_CommitsTheEpochsRunBeforeTheRescaledOne()
    {
        var world = new FakeEpochWorld { StatePartitions = 2 };
        world.Input.AddRange([1, 2, 3, 4]);
        // A crash after epoch 1's sink leaves it written ahead with 2 partitions and uncommitted. The restart with 4
        // replays it with its 2, then, before the first epoch with 4 runs, makes it durable and commits it.
        world.FaultAt(EpochStep.AfterSinkLog, occurrence: 2);
        await Assert.ThrowsAsync<CrashException>(() => world.Start().Coordinator.RunAsync(CancellationToken.None));
        world.StatePartitions = 4;
        world.Input.AddRange([5, 6]);
        var (coordinator, _) = world.Start();
        await coordinator.RunAsync(CancellationToken.None);

        Assert.Equal(2, world.WriteAheads[1].StatePartitions[0]);
        Assert.Equal(4, world.WriteAheads[2].StatePartitions[0]);
        // Epoch 1's commit follows epoch 2's write-ahead (the rescale is decided at planning) and precedes its run.
        var rescaleCommit = world.Saves.FindIndex(s => s.Commits.Contains(1L));
        var rescaledWriteAhead = world.Saves.FindIndex(s => s.Offsets.Contains(2L));
        Assert.True(rescaleCommit > rescaledWriteAhead);
        Assert.Contains(1L, world.DurableWaits);
        Assert.Contains("parts=4", world.Sink[2].Single(r => r.StartsWith('e')));
    }

    private static async Task Eventually(Func<bool> condition)
    {
        for (var waited = 0; !condition(); waited += 5)
        {
            Assert.True(waited < 10_000, "timed out");
            await Task.Delay(5);
        }
    }
}
