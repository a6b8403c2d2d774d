using OrleansStream.Engine.Operators;
using OrleansStream.Engine.Operators.Deduplication;
using static OrleansStream.Engine.Tests.State.StateTestData;

namespace OrleansStream.Engine.Tests.Operators;

public class LookupReplicaTests
{
    private static readonly Apache.Arrow.Schema Input = Schema("k string");

    private static DeduplicationOperator NewOperator() => new(Input, [0], null, 0);

    // Runs one epoch of the partition's operator and returns its delta, as the partition does before writing the version.
    private static Apache.Arrow.RecordBatch RunEpoch(DeduplicationOperator op, long batchId, params string[] keys)
    {
        op.Process([new KeyedInput(0, Batch("k string", keys.Select(k => new object?[] { k }).ToArray()))], new StatefulContext(batchId, null, null));
        var delta = op.Delta();
        op.MarkClean();
        return delta;
    }

    private static bool Has(LookupReplica replica, string key)
    {
        var found = new bool[1];
        replica.Lookup.Lookup(Batch("k string", [key]), found);
        return found[0];
    }

    [Fact]
    public void TheCopyMovesOnlyToCommittedVersions()
    {
        var op = NewOperator();
        RunEpoch(op, 0, "a");
        var replica = new LookupReplica(NewOperator(), op, 0);
        replica.Record(1, RunEpoch(op, 1, "b"));
        replica.Record(2, RunEpoch(op, 2, "c"));

        // Version 1 runs and 2 ran, but only 0 is committed: the copy answers at 0.
        Assert.True(replica.TryAdvance(0));
        Assert.True(Has(replica, "a"));
        Assert.False(Has(replica, "b"));
        Assert.True(replica.TryAdvance(2));
        Assert.Equal(2, replica.Version);
        Assert.True(Has(replica, "b") && Has(replica, "c"));
        Assert.False(replica.IsBroken);
    }

    [Fact]
    public void ACopyAheadOfTheCommittedVersion_Waits_AndOneMissingADelta_IsBroken()
    {
        var op = NewOperator();
        RunEpoch(op, 0, "a");
        RunEpoch(op, 1, "b");
        var ahead = new LookupReplica(NewOperator(), op, 1);
        Assert.False(ahead.TryAdvance(0));
        Assert.False(ahead.IsBroken);
        Assert.True(ahead.TryAdvance(1));

        RunEpoch(op, 2, "c");
        var gap = new LookupReplica(NewOperator(), op, 2);
        gap.Record(4, RunEpoch(op, 4, "d"));
        Assert.False(gap.TryAdvance(4));
        Assert.True(gap.IsBroken);
    }

    [Fact]
    public void AReload_DropsTheDeltasAboveIt_AndARerunReplacesThem()
    {
        var op = NewOperator();
        RunEpoch(op, 0, "a");
        var replica = new LookupReplica(NewOperator(), op, 0);
        replica.Record(1, RunEpoch(op, 1, "b"));
        Assert.True(replica.OnReloaded(0));
        // The epoch runs again (here on other input, to tell the two apart).
        var rerun = NewOperator();
        RunEpoch(rerun, 0, "a");
        replica.Record(1, RunEpoch(rerun, 1, "x"));
        Assert.True(replica.TryAdvance(1));
        Assert.True(Has(replica, "x"));
        Assert.False(Has(replica, "b"));
        Assert.False(replica.OnReloaded(0));
    }

    [Fact]
    public void AnOperatorLoadedAtAVersion_IsTheCopyItself_AndAdvancesByDeltas()
    {
        var op = NewOperator();
        RunEpoch(op, 0, "a");
        // As a partition that read version 0 from the checkpoint: the loaded operator becomes the copy, no second copy is made.
        var loaded = NewOperator();
        loaded.Apply(op.Snapshot());
        var replica = new LookupReplica(loaded, 0);
        Assert.True(replica.TryAdvance(0));
        Assert.True(Has(replica, "a"));
        replica.Record(1, RunEpoch(op, 1, "b"));
        Assert.True(replica.TryAdvance(1));
        Assert.True(Has(replica, "b"));
        Assert.True(Has(replica, "a"));
    }
}
