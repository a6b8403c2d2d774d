using OrleansStream.Engine.State;
using static OrleansStream.Engine.Tests.State.StateTestData;

namespace OrleansStream.Engine.Tests.State;

public class DeduplicationStateTests
{
    private static bool[] Filter(DeduplicationState state, string ddl, object?[][] rows, long[]? expiry = null)
    {
        var batch = Batch(ddl, rows);
        var keep = new bool[batch.Length];
        expiry ??= Enumerable.Repeat(long.MaxValue, batch.Length).ToArray();
        state.Filter(Columns(batch, Enumerable.Range(0, batch.ColumnCount).ToArray()), expiry, batch.Length, keep);
        return keep;
    }

    [Fact]
    public void Filter_DropsKeysSeenEarlierInTheBatchOrInState()
    {
        var state = new DeduplicationState(Schema("k string, n int"));
        var keep = Filter(state, "k string, n int", [["a", 1], ["b", 1], ["a", 1], [null, null], [null, null], ["a", 2], ["日本", 1]]);
        Assert.Equal([true, true, false, true, false, true, true], keep);
        Assert.Equal(5, state.Count);
        keep = Filter(state, "k string, n int", [["a", 1], ["c", 1], ["c", 1], [null, null]]);
        Assert.Equal([false, true, false, false], keep);
        Assert.Equal(6, state.Count);
    }

    [Fact]
    public void Evict_ForgetsKeysAtOrBeforeTheWatermark()
    {
        var state = new DeduplicationState(Schema("k bigint"));
        Filter(state, "k bigint", [[1L], [2L], [3L]], [100, 200, 300]);
        Assert.Equal(2, state.Evict(200));
        Assert.Equal(1, state.Count);
        Assert.Equal(0, state.Evict(200));
        // An evicted key counts as new again.
        Assert.Equal([true, false], Filter(state, "k bigint", [[1L], [3L]], [400, 400]));
    }

    [Fact]
    public void DeltaSnapshotApply_RoundTripThroughIpc()
    {
        var state = new DeduplicationState(Schema("k string"));
        Filter(state, "k string", [["a"], ["b"], ["c"]], [10, 20, 30]);
        Assert.Equal("__deleted boolean NOT NULL, k string, __expiry bigint", OrleansStream.Plan.Types.DataTypes.ToDdl(state.DeltaSchema));
        var snapshot = ThroughIpc(state.Snapshot());
        state.MarkClean();
        Assert.Equal(0, state.Delta().Length);

        state.Evict(10);
        Filter(state, "k string", [["d"], ["b"]], [40, 40]);
        var delta = ThroughIpc(state.Delta());
        Assert.Equal(["true | a | null", "false | d | 40"], Rows(delta).Select(Print));

        var restored = new DeduplicationState(Schema("k string"));
        restored.Apply(snapshot);
        restored.Apply(delta);
        Assert.Equal(3, restored.Count);
        Assert.Equal([true, false, false, false], Filter(restored, "k string", [["a"], ["b"], ["c"], ["d"]]));
        Assert.Equal(1, restored.Evict(20));   // b (expiry 20) goes; the new a has expiry long.MaxValue

        // Rescaling: a partition owning key groups [0, 64) of 128 loads exactly the keys in those groups.
        var half = new DeduplicationState(Schema("k string"));
        half.Apply(snapshot, g => g < 64, 128);
        var encoder = new KeyEncoder(Schema("k string"));
        var expected = new[] { "a", "b", "c" }.Where(k => KeyGroups.Of(encoder.EncodeRow([Column("string", k)], 0), 128) < 64).ToList();
        var live = new List<int>();
        half.Keys.LiveSlots(live);
        var loaded = Rows(new Apache.Arrow.RecordBatch(half.KeySchema, half.Keys.KeyColumns(live.ToArray()), live.Count)).Select(r => (string)r[0]!);
        Assert.Equal(expected, loaded);
    }
}
