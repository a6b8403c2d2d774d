using OrleansStream.Engine.Execution.Streaming;

namespace OrleansStream.Engine.Tests.Execution.Streaming;

/// <summary>
/// An epoch planned in line runs its source tasks while its offset record is being written: they only read the recorded
/// range and stage rows in memory. Nothing of the epoch becomes durable or visible before the record is: its partitions
/// (which make its state version durable) and its sink wait for the write, and a write that fails fails the query, never
/// retried, with nothing of the epoch committed.
/// </summary>
public sealed class EpochCoordinatorWriteAheadTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SourceTasks_RunWhileTheWriteAheadIsInFlight_PartitionsAndSinkOnlyAfterIt(bool stateful)
    {
        var world = new FakeEpochWorld { Stateful = stateful, Watermarked = false, PlanAhead = false, SlowWriteAheads = true };
        world.Input.AddRange([1, 2, 3, 4, 5, 6, 7]);

        await world.RunUntilIdleAsync();

        Assert.Equal([0L, 1L, 2L, 3L], world.WriteAheads.Keys);
        var events = world.Events;
        string Order() => string.Join(", ", events);
        for (var e = 0; e < 4; e++)
        {
            var wal = events.IndexOf($"wal {e}");
            Assert.True(events.IndexOf($"sources {e}") < wal, $"epoch {e}'s source tasks waited for its write-ahead: {Order()}");
            Assert.True(wal < events.IndexOf($"sink {e}"), $"epoch {e}'s sink committed before its write-ahead: {Order()}");
            if (stateful) Assert.True(wal < events.IndexOf($"partitions {e}"), $"epoch {e}'s partitions ran before its write-ahead: {Order()}");
        }
        Assert.Equal(3, world.Persisted.LastCommitted);
        Assert.Equal(world.Input.Select(v => $"v{v}"), world.Sink.Values.SelectMany(r => r).Where(r => r.StartsWith('v')));
    }

    // An epoch planned ahead (its write-ahead started while the epoch before it ran) runs its source tasks beside that write,
    // as one planned in line does: here each write is persisted only when an epoch's source tasks run, so a coordinator
    // that waited for the write before the source tasks would wait forever.
    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task EpochPlannedAhead_RunsItsSourceTasksWhileItsWriteAheadIsInFlight_PartitionsAndSinkOnlyAfterIt(bool stateful, bool watermarked)
    {
        var reference = new FakeEpochWorld { Stateful = stateful, Watermarked = watermarked };
        reference.Input.AddRange([1, 2, 3, 4, 5, 6, 7]);
        await reference.RunUntilIdleAsync();
        // One epoch per write-ahead (groups of several: EpochCoordinatorGroupCommitTests).
        var world = new FakeEpochWorld
        {
            Stateful = stateful, Watermarked = watermarked, PlanAhead = true, SlowWriteAheads = true, WriteAheadsPersistAt = EpochStep.AfterSourceTasks,
            WriteAheadGroup = 1, WriteAheadGroupGrowth = 1,
        };
        world.Input.AddRange(reference.Input);

        await world.RunUntilIdleAsync();

        var events = world.Events;
        string Order() => string.Join(", ", events);
        for (var e = 0; e < 4; e++)
        {
            var wal = events.IndexOf($"wal {e}");
            Assert.True(wal >= 0 && events.IndexOf($"sources {e}") < wal, $"epoch {e}'s source tasks waited for its write-ahead: {Order()}");
            Assert.True(wal < events.IndexOf($"sink {e}"), $"epoch {e}'s sink committed before its write-ahead: {Order()}");
            if (stateful) Assert.True(wal < events.IndexOf($"partitions {e}"), $"epoch {e}'s partitions ran before its write-ahead: {Order()}");
        }
        EpochCoordinatorCrashTests.AssertSameRun(reference, world, compareCommits: true);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WriteAheadOfAnEpochPlannedAhead_ThatFailsTransiently_FailsTheRun_NotRetried_AndARestartGivesTheSameOutput(bool watermarked)
    {
        // Epoch 1's write-ahead, started while epoch 0 ran, fails as it is persisted (when epoch 1's source tasks ran).
        await AssertAFailedWriteAheadFailsTheRunAsync(
            new FakeEpochWorld { Watermarked = watermarked },
            new FakeEpochWorld { Watermarked = watermarked, SlowWriteAheads = true, WriteAheadsPersistAt = EpochStep.AfterSourceTasks });
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task GroupWriteAhead_ThatFailsTransiently_FailsTheRun_NotRetried_NothingOfItsEpochsRun_AndARestartGivesTheSameOutput(int group)
    {
        // The second write covers epochs 1 to group (planned together while epoch 0 ran) and fails as epoch 1's source
        // tasks ran: none of the group's epochs gets further, and the later ones do not even start.
        var world = new FakeEpochWorld { Watermarked = false, SlowWriteAheads = true, WriteAheadsPersistAt = EpochStep.AfterSourceTasks, WriteAheadGroup = group };
        await AssertAFailedWriteAheadFailsTheRunAsync(new FakeEpochWorld { Watermarked = false, PlanAhead = false }, world,
            failed => Assert.DoesNotContain("sources 2", failed.Events));
    }

    [Fact]
    public async Task WriteAheadInFlight_ThatFailsTransiently_FailsTheRun_NotRetried_AndARestartGivesTheSameOutput()
    {
        // Epoch 1's write-ahead fails after its source tasks ran (a write fails as the store answers, not when it starts).
        await AssertAFailedWriteAheadFailsTheRunAsync(
            new FakeEpochWorld { Watermarked = false, PlanAhead = false },
            new FakeEpochWorld { Watermarked = false, PlanAhead = false, SlowWriteAheads = true });
    }

    // Epoch 1's write-ahead fails transiently: the run fails unretried with epoch 1's source tasks run and nothing of it
    // durable or visible, and a restart gives the reference's output.
    private static async Task AssertAFailedWriteAheadFailsTheRunAsync(FakeEpochWorld reference, FakeEpochWorld world, Action<FakeEpochWorld>? alsoAfterFailure = null)
    {
        reference.Input.AddRange([1, 2, 3, 4, 5, 6, 7]);
        await reference.RunUntilIdleAsync();
        world.Input.AddRange(reference.Input);
        world.FaultAt(EpochStep.BeforeWriteAhead, occurrence: 2, transient: true);
        var (coordinator, runtime) = world.Start();

        await Assert.ThrowsAsync<TransientFailureException>(() => coordinator.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal(1, world.Fired);
        Assert.Empty(runtime.Retries);
        Assert.Contains("sources 1", world.Events);
        Assert.DoesNotContain("partitions 1", world.Events);
        Assert.Equal([0L], world.Sink.Keys);
        Assert.Equal([0L], world.WriteAheads.Keys);
        Assert.DoesNotContain(1L, world.DurableVersions);
        alsoAfterFailure?.Invoke(world);

        await world.RunUntilIdleAsync();
        EpochCoordinatorCrashTests.AssertSameRun(reference, world, compareCommits: true);
    }
}
