using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Operators.Aggregation;
using OrleansStream.Engine.State;
using static OrleansStream.Engine.Tests.State.StateTestData;

namespace OrleansStream.Engine.Tests.State;

/// <summary>
/// A window key's table held window by window (<see cref="KeyTable.ForWindowKeys"/>, <see cref="WindowKeyIndex"/>) against
/// the plain table: the same slots, key bytes and key groups through adds, watermark evictions and removals, so that the
/// state's deltas, snapshots and output do not change.
/// </summary>
public class WindowKeyIndexTests
{
    private const long Size = 10_000_000, Slide = 2_000_000;

    public static TheoryData<string, int> Schemas => new()
    {
        { "s timestamp, e timestamp, a bigint", 0 },
        { "a bigint, s timestamp, e timestamp", 1 },
    };

    [Theory]
    [MemberData(nameof(Schemas))]
    public void WindowTable_HandsOutThePlainTablesSlots_ThroughAddsEvictionsAndRemovals(string ddl, int startColumn)
    {
        var schema = Schema(ddl);
        var windowed = KeyTable.ForWindowKeys(schema, startColumn);
        var plain = new KeyTable(schema);
        Assert.True(windowed.HasWindowIndex);
        var random = new Random(startColumn + 5);
        var endColumn = startColumn + 1;
        for (var epoch = 0; epoch < 12; epoch++)
        {
            // Each epoch's windows in runs (as partials come), a few keys with a null, and some repeated keys.
            var rows = EpochRows(random, epoch, startColumn, nullShare: epoch % 3 == 0 ? 0.02 : 0);
            var columns = Columns(schema, rows);
            var (a, addedA) = (new int[rows.Length], new bool[rows.Length]);
            var (b, addedB) = (new int[rows.Length], new bool[rows.Length]);
            windowed.GetOrAdd(columns, rows.Length, a, addedA);
            plain.GetOrAdd(columns, rows.Length, b, addedB);
            Assert.Equal(b, a);
            Assert.Equal(addedB, addedA);
            AssertSameKeys(plain, windowed);
            var foundA = new int[rows.Length];
            var foundB = new int[rows.Length];
            Assert.Equal(plain.TryGet(columns, rows.Length, foundB), windowed.TryGet(columns, rows.Length, foundA));
            Assert.Equal(foundB, foundA);

            // The watermark closes the windows ending at or before it: every window of the epoch but the last few.
            var threshold = (epoch * 10 + 6) * Slide;
            var evicted = new List<int>();
            var evictedPlain = new List<int>();
            windowed.SlotsWithInt64AtMost(endColumn, threshold, evicted);
            plain.SlotsWithInt64AtMost(endColumn, threshold, evictedPlain);
            Assert.Equal(evictedPlain, evicted);
            windowed.RemoveAtOrBelow(endColumn, threshold, evicted.ToArray());
            plain.RemoveAtOrBelow(endColumn, threshold, evicted.ToArray());
            if (epoch % 4 == 1)
            {
                // Removals one by one and a list (tombstones, a rebuild): the index forgets each key.
                var live = new List<int>();
                plain.LiveSlots(live);
                foreach (var s in live.Where(s => s % 7 == 0))
                {
                    windowed.Remove(s);
                    plain.Remove(s);
                }
                var some = live.Where(s => s % 7 == 3).ToArray();
                windowed.Remove(some);
                plain.Remove(some);
            }
            AssertSameKeys(plain, windowed);
        }
        windowed.Clear();
        plain.Clear();
        var again = Columns(schema, EpochRows(random, 20, startColumn, 0));
        var (c, addedC) = (new int[again[0].Length], new bool[again[0].Length]);
        var (d, addedD) = (new int[again[0].Length], new bool[again[0].Length]);
        windowed.GetOrAdd(again, c.Length, c, addedC);
        plain.GetOrAdd(again, d.Length, d, addedD);
        Assert.Equal(d, c);
        AssertSameKeys(plain, windowed);
    }

    [Fact]
    public void Eviction_DropsTheClosedWindows_AndKeepsTheOpenOnesKeys()
    {
        var schema = Schema("s timestamp, e timestamp, a bigint");
        var table = KeyTable.ForWindowKeys(schema, 0);
        var rows = EpochRows(new Random(1), 0, 0, 0);
        var columns = Columns(schema, rows);
        var slots = table.GetOrAdd(columns, rows.Length, out _).ToArray();
        var windows = rows.Select(r => r[0]).Distinct().Count();
        Assert.Equal(windows, table.WindowsHeld);
        var evicted = new List<int>();
        table.SlotsWithInt64AtMost(1, 6 * Slide, evicted);
        table.RemoveAtOrBelow(1, 6 * Slide, evicted.ToArray());
        Assert.Equal(rows.Select(r => r[0]).Where(s => s + Size > 6 * Slide).Distinct().Count(), table.WindowsHeld);
        for (var r = 0; r < rows.Length; r++) Assert.Equal(rows[r][0] + Size > 6 * Slide, table.IsLive(slots[r]));
        var found = new int[rows.Length];
        table.TryGet(columns, rows.Length, found);
        for (var r = 0; r < rows.Length; r++) Assert.Equal(rows[r][0] + Size > 6 * Slide ? slots[r] : -1, found[r]);
    }

    [Fact]
    public void AggregationState_WithWindowKeys_WritesThePlainStatesDeltasSnapshotsAndResults()
    {
        var schema = Schema("s timestamp, e timestamp, a bigint");
        AggregateSpec[] count = [new("count", null)];
        var windowed = new AggregationState(schema, count, windowStartColumn: 0);
        var plain = new AggregationState(schema, count);
        var random = new Random(7);
        for (var epoch = 0; epoch < 6; epoch++)
        {
            var rows = EpochRows(random, epoch, 0, epoch == 2 ? 0.05 : 0);
            var keys = Columns(schema, rows);
            var touchedA = new List<int>();
            var touchedB = new List<int>();
            windowed.Update(keys, [null], rows.Length, touchedA);
            plain.Update(keys, [null], rows.Length, touchedB);
            Assert.Equal(touchedB, touchedA);
            var final = new List<int>();
            windowed.SlotsWithKeyAtMost(1, (epoch * 10 + 6) * Slide, final);
            Assert.Equal(Ipc(plain.Results(final.ToArray())), Ipc(windowed.Results(final.ToArray())));
            windowed.RemoveAtOrBelow(1, (epoch * 10 + 6) * Slide, final.ToArray());
            plain.RemoveAtOrBelow(1, (epoch * 10 + 6) * Slide, final.ToArray());
            Assert.Equal(Ipc(plain.Delta()), Ipc(windowed.Delta()));
            windowed.MarkClean();
            plain.MarkClean();
        }
        var snapshot = plain.Snapshot();
        Assert.Equal(Ipc(snapshot), Ipc(windowed.Snapshot()));
        // Restored from the snapshot, the windowed state finds every key again.
        var restored = new AggregationState(schema, count, windowStartColumn: 0);
        restored.Apply(ThroughIpc(snapshot));
        Assert.Equal(plain.Count, restored.Count);
        Assert.Equal(Ipc(snapshot), Ipc(restored.Snapshot()));
    }

    [Fact]
    public void Index_GrowsRemovesAndReusesDroppedTables()
    {
        var index = new WindowKeyIndex(0);
        var w = index.WindowOf(0, 10, add: true);
        for (var k = 0; k < 1_000; k++)
        {
            Assert.Equal(-1, index.Find(w, k * 64L, out var entry));
            index.Add(w, entry, k * 64L, k);
        }
        for (var k = 0; k < 1_000; k += 2) index.Remove(0, 10, k * 64L);
        for (var k = 0; k < 1_000; k++) Assert.Equal(k % 2 == 0 ? -1 : k, index.Find(w, k * 64L, out _));
        Assert.Equal(500, index.Count);
        var bytes = index.EstimatedBytes;
        Assert.Equal(500, index.CountAtOrBelow(1, 10));
        index.DropAtOrBelow(1, 10);
        Assert.Equal(0, index.Count);
        Assert.Equal(-1, index.WindowOf(0, 10, add: false));
        // The next window takes the dropped table, emptied.
        var next = index.WindowOf(10, 20, add: true);
        Assert.Equal(-1, index.Find(next, 64, out _));
        Assert.Equal(bytes, index.EstimatedBytes);
    }

    // Rows of an epoch's windows: 14 sliding windows, each a run of keys from a range of ids that grows with time, some
    // repeated in the run; with nullShare, some rows' id or window end is null.
    private static long?[][] EpochRows(Random random, int epoch, int startColumn, double nullShare)
    {
        var rows = new List<long?[]>();
        for (var w = 0; w < 14; w++)
        {
            var start = (epoch * 10 + w - 4) * Slide;
            var n = random.Next(50, 400);
            for (var i = 0; i < n; i++)
            {
                long? id = epoch * 300 + random.Next(600);
                long? end = start + Size;
                if (random.NextDouble() < nullShare)
                {
                    if (random.Next(2) == 0) id = null;
                    else end = null;
                }
                rows.Add(startColumn == 0 ? [start, end, id] : [id, start, end]);
            }
        }
        return [.. rows];
    }

    private static IArrowArray[] Columns(Schema schema, long?[][] rows) =>
        Enumerable.Range(0, schema.FieldsList.Count).Select(c =>
        {
            var values = rows.Select(r => r[c] ?? 0).ToArray();
            var validity = new byte[(rows.Length + 7) / 8];
            var nulls = 0;
            for (var r = 0; r < rows.Length; r++)
            {
                if (rows[r][c] is null) nulls++;
                else BitUtility.SetBit(validity, r);
            }
            var bytes = new byte[values.Length * sizeof(long)];
            Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
            return ArrowArrayFactory.BuildArray(new ArrayData(schema.FieldsList[c].DataType, rows.Length, nulls, 0,
                [nulls == 0 ? ArrowBuffer.Empty : new ArrowBuffer(validity), new ArrowBuffer(bytes)]));
        }).ToArray();

    private static void AssertSameKeys(KeyTable expected, KeyTable actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.SlotBound, actual.SlotBound);
        var live = new List<int>();
        var liveActual = new List<int>();
        expected.LiveSlots(live);
        actual.LiveSlots(liveActual);
        Assert.Equal(live, liveActual);
        foreach (var s in live)
        {
            Assert.Equal(expected.KeyBytes(s).ToArray(), actual.KeyBytes(s).ToArray());
            Assert.Equal(expected.KeyGroupOf(s, 128), actual.KeyGroupOf(s, 128));
            Assert.True(actual.TryGet(expected.KeyBytes(s), out var slot));
            Assert.Equal(s, slot);
        }
    }

    private static byte[] Ipc(RecordBatch batch) => ArrowIpc.Serialize(batch);
}
