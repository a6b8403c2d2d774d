using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.Operators.Join;
using OrleansStream.Engine.Planning.Physical;
using OrleansStream.Engine.State;
using static OrleansStream.Engine.Tests.Operators.Join.JoinStreams;
using static OrleansStream.Engine.Tests.Operators.Join.JoinTestData;

namespace OrleansStream.Engine.Tests.Operators.Join;

/// <summary>Join state: snapshots and deltas restore the same later output, on one partition or split by key group over two;
/// eviction reads only what it removes.</summary>
public class JoinStateTests
{
    private const JoinInputKind S = JoinInputKind.Stream;
    private const int KeyGroupCount = 128;

    private static readonly JoinOperatorSpec FullOuter = Spec(JoinType.FullOuter, JoinStreams.Windowed(1, 1), JoinStreams.Windowed(1, 1), [0, 1], [0, 1],
        "__l2 % 7 <> 0", S, S, 1, 1);

    // Rows buffered on both sides.
    private static int Held(IStatefulOperator op) => ((JoinOperator)op).BufferedRows(0).Length + ((JoinOperator)op).BufferedRows(1).Length;

    private static int[] Range(int from, int to, int step = 1) => Enumerable.Range(0, (to - from) / step + 1).Select(i => from + i * step).ToArray();

    // The epochs after the restore point: new rows on both sides, then watermarks that evict (and pad) most of the state.
    private static readonly (RecordBatch? Left, RecordBatch? Right, long Evict)[] Later =
    [
        (JoinStreams.Windowed(2, Range(91, 95)), JoinStreams.Windowed(3, Range(1, 100, 3)), Sec(40)),
        (JoinStreams.Windowed(2, Range(40, 50)), null, Sec(40)),
        (null, JoinStreams.Windowed(3, Range(60, 70)), Sec(40)),
        (null, null, Sec(80)),
        (JoinStreams.Windowed(2, 99), null, Sec(200)),
    ];

    // Epochs before the restore point; the second one matches rows of the first (their matched flags change in its delta).
    private static List<RecordBatch> RunEarly(IStatefulOperator op)
    {
        var deltas = new List<RecordBatch>();
        Routed(op, JoinStreams.Windowed(2, Range(1, 60)), JoinStreams.Windowed(3, Range(30, 90)), 0, 0, 0);
        deltas.Add(op.Delta());
        op.MarkClean();
        Routed(op, JoinStreams.Windowed(2, Range(61, 70)), JoinStreams.Windowed(3, Range(5, 15)), 1, 0, Sec(5));
        deltas.Add(op.Delta());
        op.MarkClean();
        return deltas;
    }

    // Feeds the rows as the exchange writers prepare them (window keys flattened and appended for routing).
    private static RecordBatch Routed(IStatefulOperator op, RecordBatch? left, RecordBatch? right, long batchId, long late, long evict) =>
        Run(op, Exchange(0, left), Exchange(1, right), batchId, late, evict);

    private static RecordBatch? Exchange(int input, RecordBatch? rows)
    {
        if (rows is null) return null;
        var writer = FullOuter.CreateExchangeWriter(input);
        writer.Add(rows, Expressions.TestData.Ctx);
        return writer.Finish();
    }

    private static string[] RunLater(params IStatefulOperator[] partitions) => RunLater(partitions, 2, Sec(5));

    private static string[] RunLater(IStatefulOperator[] partitions, long firstBatch, long late)
    {
        var rows = new List<string>();
        var batchId = firstBatch;
        for (var e = 0; e < Later.Length; e++)
        {
            var (left, right, evict) = Later[e];
            var l = Exchange(0, left);
            var r = Exchange(1, right);
            var ls = l is null ? null : KeyGroupPartitioner.Split(l, FullOuter.CreateExchangeWriter(0).RoutingColumns, KeyGroupCount, partitions.Length);
            var rs = r is null ? null : KeyGroupPartitioner.Split(r, FullOuter.CreateExchangeWriter(1).RoutingColumns, KeyGroupCount, partitions.Length);
            for (var p = 0; p < partitions.Length; p++)
                rows.AddRange(Rows(Run(partitions[p], ls?[p], rs?[p], batchId, late, evict)));
            batchId++;
            late = evict;
        }
        return rows.Order(StringComparer.Ordinal).ToArray();
    }

    [Fact]
    public void Snapshot_and_delta_chain_restore_the_same_later_output()
    {
        var reference = FullOuter.CreateOperator("append");
        var deltas = RunEarly(reference);
        var fromSnapshot = FullOuter.CreateOperator("append");
        fromSnapshot.Apply(reference.Snapshot());
        var fromDeltas = FullOuter.CreateOperator("append");
        foreach (var d in deltas) fromDeltas.Apply(d);
        Assert.True(deltas[1].Length > 0);

        var expected = RunLater(reference);
        Assert.NotEmpty(expected);
        Assert.Contains(expected, r => r.EndsWith(",null,null,null", StringComparison.Ordinal));   // left rows padded on eviction
        Assert.Contains(expected, r => r.StartsWith("null,null,null,", StringComparison.Ordinal)); // right rows padded
        Assert.Equal(expected, RunLater(fromSnapshot));
        Assert.Equal(expected, RunLater(fromDeltas));
        Assert.Equal(reference.Metrics.NumRowsTotal, fromDeltas.Metrics.NumRowsTotal);
    }

    [Fact]
    public void State_split_by_key_group_over_two_partitions_gives_the_same_later_output()
    {
        var reference = FullOuter.CreateOperator("append");
        var deltas = RunEarly(reference);
        var partitions = new IStatefulOperator[2];
        for (var p = 0; p < 2; p++)
        {
            partitions[p] = FullOuter.CreateOperator("append");
            foreach (var d in deltas)
            {
                partitions[p].Apply(partitions[p].Owned(d, KeyGroupCount, 2, p));
            }
        }
        // Each partition holds its own key groups' rows, and together exactly the reference's.
        var held = partitions.Select(Held).ToArray();
        Assert.All(held, n => Assert.True(n > 0));
        Assert.Equal(Held(reference), held.Sum());
        var split = RunLater(partitions);
        Assert.Equal(RunLater(reference), split);
        Assert.Equal(reference.Metrics.NumRowsTotal, partitions.Sum(p => p.Metrics.NumRowsTotal));
    }

    [Fact]
    public async Task Versioned_store_restores_the_join_on_one_partition_and_rescaled_to_three()
    {
        using var dir = new Data.TempDir();
        var backend = new FileSystemCheckpointStore(dir.Path);
        var single = new StatePartitionLocation("q", 1, 0, 1, KeyGroupCount);
        var store = new VersionedStateStore(backend);
        var reference = FullOuter.CreateOperator("append");
        // Four versions: rows, matches that change earlier rows' flags, and an eviction (its bound travels in the delta);
        // a snapshot every two versions.
        var epochs = new (RecordBatch? Left, RecordBatch? Right, long Evict)[]
        {
            (JoinStreams.Windowed(2, Range(1, 60)), JoinStreams.Windowed(3, Range(30, 90)), 0),
            (JoinStreams.Windowed(2, Range(61, 70)), JoinStreams.Windowed(3, Range(5, 15)), Sec(5)),
            (JoinStreams.Windowed(2, Range(71, 75)), null, Sec(20)),
            (null, JoinStreams.Windowed(3, Range(71, 73)), Sec(25)),
        };
        long late = 0;
        for (var v = 0; v < epochs.Length; v++)
        {
            Routed(reference, epochs[v].Left, epochs[v].Right, v, late, epochs[v].Evict);
            late = epochs[v].Evict;
            if (v > 0) await store.WhenWrittenAsync(v - 1);
            store.BeginWrite(reference, single, v, v - 1, 2, forceSnapshot: false);
            if (store.IsSnapshotPending) store.TakeDueSnapshot(reference, v);
        }
        await store.WhenWrittenAsync(epochs.Length - 1);
        await store.WhenIdleAsync();

        var restored = FullOuter.CreateOperator("append");
        Assert.False(await new VersionedStateStore(backend).LoadAsync(restored, single, 1, epochs.Length - 1));
        var rescaled = new IStatefulOperator[3];
        for (var p = 0; p < rescaled.Length; p++)
        {
            rescaled[p] = FullOuter.CreateOperator("append");
            Assert.True(await new VersionedStateStore(backend).LoadAsync(rescaled[p], new StatePartitionLocation("q", 1, p, 3, KeyGroupCount), 1,
                epochs.Length - 1));
        }
        Assert.Equal(Held(reference), Held(restored));
        Assert.Equal(Held(reference), rescaled.Sum(Held));
        var expected = RunLater([reference], firstBatch: epochs.Length, late: Sec(25));
        Assert.Contains(expected, r => r.EndsWith(",null,null,null", StringComparison.Ordinal));
        Assert.Equal(expected, RunLater([restored], firstBatch: epochs.Length, late: Sec(25)));
        Assert.Equal(expected, RunLater(rescaled, firstBatch: epochs.Length, late: Sec(25)));
    }

    // State format 1 (before format 2): RunEarly's two deltas and the snapshot after them, as the operator of commit 9f1408c
    // wrote them (Arrow IPC files).
    private static RecordBatch Format1(string name) =>
        Plan.Data.ArrowIpc.Deserialize(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Operators", "Join", "Fixtures", $"join-state-v1-{name}.arrow")));

    [Fact]
    public void A_checkpoint_in_state_format_1_restores_and_joins_as_before()
    {
        var deltas = new[] { Format1("delta-0"), Format1("delta-1") };
        Assert.All(deltas, d => Assert.Equal("__side", d.Schema.FieldsList[0].Name));
        Assert.True(deltas[1].Length > 0);
        var reference = FullOuter.CreateOperator("append");
        RunEarly(reference);
        var held = Held(reference);
        var expected = RunLater(reference);
        Assert.Contains(expected, r => r.EndsWith(",null,null,null", StringComparison.Ordinal));

        var fromDeltas = FullOuter.CreateOperator("append");
        foreach (var d in deltas) fromDeltas.Apply(d);
        var fromSnapshot = FullOuter.CreateOperator("append");
        fromSnapshot.Apply(Format1("snapshot-1"));
        Assert.Equal(held, Held(fromDeltas));
        Assert.Equal(held, Held(fromSnapshot));
        Assert.Equal(expected, RunLater(fromDeltas));
        Assert.Equal(expected, RunLater(fromSnapshot));

        // Rescaled to two partitions from the old files.
        var partitions = new IStatefulOperator[2];
        for (var p = 0; p < 2; p++)
        {
            partitions[p] = FullOuter.CreateOperator("append");
            foreach (var d in deltas) partitions[p].Apply(partitions[p].Owned(d, KeyGroupCount, 2, p));
            Assert.True(Held(partitions[p]) > 0);
        }
        Assert.Equal(expected, RunLater(partitions));

        // A chain continued in format 2: the old first delta, then the second epoch's delta written now.
        var continued = FullOuter.CreateOperator("append");
        continued.Apply(deltas[0]);
        Routed(continued, JoinStreams.Windowed(2, Range(61, 70)), JoinStreams.Windowed(3, Range(5, 15)), 1, 0, Sec(5));
        var delta1 = continued.Delta();
        Assert.Equal("left", delta1.Schema.FieldsList[0].Name);
        var mixed = FullOuter.CreateOperator("append");
        mixed.Apply(deltas[0]);
        mixed.Apply(Plan.Data.ArrowIpc.Deserialize(Plan.Data.ArrowIpc.Serialize(delta1)));
        Assert.Equal(expected, RunLater(mixed));
    }

    [Fact]
    public void Each_side_stores_only_its_own_columns()
    {
        var reference = FullOuter.CreateOperator("append");
        var delta = RunEarly(reference)[0];
        // Format 2: one row, a list of state rows per side; a side's rows hold the flags and its own columns, no key copy.
        Assert.Equal(1, delta.Length);
        string[] Fields(int side) => ((StructType)((ListType)delta.Schema.FieldsList[side].DataType).ValueDataType).Fields.Select(f => f.Name).ToArray();
        Assert.Equal(["__update", "__id", "__matched", "key", "window", "value"], Fields(0));
        Assert.Equal(["__update", "__id", "__matched", "key", "window", "value"], Fields(1));
        // Left rows 1-60 less the 8 the left filter "__l2 % 7 <> 0" never buffers; right rows 30-90.
        Assert.Equal(52, ((ListArray)delta.Column(0)).Values.Length);
        Assert.Equal(61, ((ListArray)delta.Column(1)).Values.Length);

        // An inner join reads no matched flag: its rows hold only the update flag and their columns.
        var inner = Spec(JoinType.Inner, JoinStreams.Windowed(1, 1), JoinStreams.Windowed(1, 1), [0, 1], [0, 1], null, S, S, 1, 1).CreateOperator("append");
        Routed(inner, JoinStreams.Windowed(2, Range(1, 60)), JoinStreams.Windowed(3, Range(30, 90)), 0, 0, 0);
        var innerDelta = inner.Delta();
        Assert.Equal(["__update", "key", "window", "value"],
            ((StructType)((ListType)innerDelta.Schema.FieldsList[0].DataType).ValueDataType).Fields.Select(f => f.Name).ToArray());
        // About a third of format 1's bytes for the same rows (no other side's nulls, no second key, no time, id or flag).
        Assert.True(Plan.Data.ArrowIpc.Serialize(innerDelta).Length * 2 < Plan.Data.ArrowIpc.Serialize(Format1("delta-0")).Length);

        // Restored from its own delta, the inner join joins later rows as the original does.
        var restored = Spec(JoinType.Inner, JoinStreams.Windowed(1, 1), JoinStreams.Windowed(1, 1), [0, 1], [0, 1], null, S, S, 1, 1).CreateOperator("append");
        restored.Apply(Plan.Data.ArrowIpc.Deserialize(Plan.Data.ArrowIpc.Serialize(innerDelta)));
        var later = JoinStreams.Windowed(3, Range(1, 20));
        var expected = Rows(Routed(inner, null, later, 1, 0, 0));
        Assert.Equal(20, expected.Length);
        Assert.Equal(expected, Rows(Routed(restored, null, later, 1, 0, 0)));
    }

    [Fact]
    public void Eviction_reads_only_the_rows_it_removes()
    {
        // 100 epochs of 1,000 rows each, every epoch in its own 10-second window: 100,000 buffered rows in 100 chunks.
        var sample = JoinStreams.Windowed(1, 1);
        foreach (var type in new[] { JoinType.Inner, JoinType.LeftOuter })
        {
            var spec = Spec(type, sample, sample, [0, 1], [0, 1], null, S, S, 1, 1);
            var op = (JoinOperator)spec.CreateOperator("append");
            for (var e = 0; e < 100; e++)
                Run(op, JoinStreams.Windowed(1, Range(e * 10_000, e * 10_000 + 9_990, 10)), null, e, 0, 0);
            Assert.Equal(100_000, op.Metrics.NumRowsTotal);
            // Watermark at 10 epochs' worth of windows: 10,000 rows go.
            var output = Run(op, null, null, 100, 0, Sec(10 * 10_000));
            Assert.Equal(10_000, op.Metrics.NumRowsRemoved);
            Assert.Equal(90_000, op.Metrics.NumRowsTotal);
            var (left, _) = op.LastEvictionReads;
            if (type == JoinType.Inner)
            {
                Assert.Equal(0, output.Length);
                Assert.True(left < 2_000, $"inner eviction read {left} entries");   // a binary search per chunk
            }
            else
            {
                Assert.Equal(10_000, output.Length);                                  // every removed row padded
                Assert.True(left < 10_000 + 2_000, $"outer eviction read {left} entries");
            }
            // The remaining rows still join.
            Assert.Equal(1, Run(op, null, JoinStreams.Windowed(3, 990_000), 101, Sec(10 * 10_000), Sec(10 * 10_000)).Length);
        }
    }
}
