using System.Runtime.InteropServices;
using Apache.Arrow;
using OrleansStream.Engine.Operators.Aggregation;
using OrleansStream.Engine.State;
using static OrleansStream.Engine.Tests.Aggregation.AggregationTestData;
using static OrleansStream.Engine.Tests.State.StateTestData;

namespace OrleansStream.Engine.Tests.State;

public class AggregationStateTests
{
    private static readonly (string, int?)[] Aggregates =
    [
        ("count", null), ("sum", 2), ("avg", 3), ("min", 4), ("max", 2), ("first", 4), ("last", 2), ("approx_count_distinct", 4), ("sum", 3),
    ];

    private const string Ddl = "k string, g int, v int, m decimal(9,2), s string";

    private static AggregationState NewState() => new(Schema("k string, g int"), PlanAggregates(Batch(Ddl), [0, 1], Aggregates).Specs);

    private static void Feed(AggregationState state, RecordBatch input, List<int>? touched = null) =>
        state.Merge(Partial(input, [0, 1], Aggregates), touched ?? []);

    private static RecordBatch Input(int from, int count, int keys) =>
        Batch(Ddl, Enumerable.Range(from, count).Select(i => new object?[]
        {
            i % 11 == 0 ? null : "key-" + (i % keys) + (i % 3 == 0 ? "日本" : ""),
            i % keys % 4,
            i % 7 == 0 ? null : i,
            i % 5 == 0 ? null : i / 4m,
            i % 9 == 0 ? null : "v" + (i % 13),
        }).ToArray());

    private static int SlotOf(AggregationState state, params object?[] key)
    {
        var keyBatch = Batch("k string, g int", key);
        var slots = new int[1];
        state.Keys.TryGet(Columns(keyBatch, 0, 1), 1, slots);
        return slots[0];
    }

    [Fact]
    public void Schemas_NameKeysThenBuffersThenResults()
    {
        var state = new AggregationState(Schema("k string"), [new AggregateSpec("avg", Apache.Arrow.Types.Int32Type.Default), new AggregateSpec("count", null)]);
        Assert.Equal("k string, _agg0_sum double, _agg0_count bigint NOT NULL, _agg1_count bigint NOT NULL", OrleansStream.Plan.Types.DataTypes.ToDdl(state.PartialSchema));
        Assert.Equal("k string, _agg0 double, _agg1 bigint NOT NULL", OrleansStream.Plan.Types.DataTypes.ToDdl(state.ResultSchema));
        Assert.Equal("__deleted boolean NOT NULL, k string, _agg0_sum double, _agg0_count bigint, _agg1_count bigint", OrleansStream.Plan.Types.DataTypes.ToDdl(state.DeltaSchema));
    }

    [Fact]
    public void Delta_AfterMarkClean_HoldsOnlyChangedAndRemovedKeys()
    {
        var state = new AggregationState(Schema("k string"), [new AggregateSpec("count", null), new AggregateSpec("sum", Apache.Arrow.Types.Int32Type.Default)]);
        (string, int?)[] aggregates = [("count", null), ("sum", 1)];
        state.Merge(Partial(Batch("k string, v int", ["a", 1], ["b", 2], ["c", 3], ["a", 4]), [0], aggregates), []);
        Assert.Equal(["false | a | 2 | 5", "false | b | 1 | 2", "false | c | 1 | 3"], Rows(state.Delta()).Select(Print));
        state.MarkClean();
        Assert.Equal(0, state.Delta().Length);

        var touched = new List<int>();
        state.Merge(Partial(Batch("k string, v int", ["d", 10], ["b", null]), [0], aggregates), touched);
        state.Remove([SlotOf1(state, "c")]);
        // Removed keys first, buffers null; then changed keys in slot order (b's slot is older than d's).
        Assert.Equal(["true | c | null | null", "false | b | 2 | 2", "false | d | 1 | 10"], Rows(state.Delta()).Select(Print));

        // Removing d and adding c again before the checkpoint: c is a change (its new value), d a removal.
        state.Remove([SlotOf1(state, "d")]);
        state.Merge(Partial(Batch("k string, v int", ["c", 7]), [0], aggregates), []);
        Assert.Equal(["true | d | null | null", "false | b | 2 | 2", "false | c | 1 | 7"], Rows(state.Delta()).Select(Print));
        state.MarkClean();
        Assert.Equal(0, state.Delta().Length);
        Assert.Equal(3, state.Count);
    }

    [Fact]
    public void Delta_OfManyKeys_ListsExactlyEachEpochsChangedKeys_InSlotOrder()
    {
        // Thousands of bigint keys, so changes spread over many words of the change tracker; slots are reused after removals.
        var state = new AggregationState(Schema("k bigint"), [new AggregateSpec("count", null)]);
        (string, int?)[] aggregates = [("count", null)];
        var random = new Random(11);
        var counts = new Dictionary<long, long>();
        for (var epoch = 0; epoch < 6; epoch++)
        {
            var keys = Enumerable.Range(0, 700).Select(_ => (long)random.Next(5000)).ToArray();
            state.Merge(Partial(Batch("k bigint", keys.Select(k => new object?[] { k }).ToArray()), [0], aggregates), []);
            foreach (var k in keys) counts[k] = counts.GetValueOrDefault(k) + 1;
            var removed = counts.Keys.Where(k => k % 7 == epoch).Take(40).ToList();
            var slots = new int[removed.Count];
            state.Keys.TryGet([Column("bigint", removed.Cast<object?>().ToArray())], removed.Count, slots);
            state.Remove(slots);
            foreach (var k in removed) counts.Remove(k);

            var delta = state.Delta();
            var rows = Rows(delta).ToList();
            var changed = keys.Distinct().Where(counts.ContainsKey);
            Assert.Equal(removed.Order(), rows.Where(r => (bool)r[0]!).Select(r => (long)r[1]!).Order());
            var live = rows.Where(r => !(bool)r[0]!).ToList();
            Assert.Equal(changed.Order(), live.Select(r => (long)r[1]!).Order());
            Assert.All(live, r => Assert.Equal(counts[(long)r[1]!], (long)r[2]!));
            var liveSlots = new int[live.Count];
            state.Keys.TryGet([Column("bigint", live.Select(r => r[1]).ToArray())], live.Count, liveSlots);
            Assert.Equal(liveSlots.Order(), liveSlots);
            state.MarkClean();
            Assert.Equal(0, state.Delta().Length);
        }
    }

    // Touched groups are recorded as changes a word of slots at a time, when the touched list starts over or a delta is
    // taken: whatever the order of merges, deltas and checkpoints, a delta lists exactly the groups written since the last
    // MarkClean, as when each touch marked its group at once.
    [Fact]
    public void Delta_ListsEveryGroupTouchedSinceTheLastCheckpoint_AcrossTouchedLists()
    {
        var state = new AggregationState(Schema("k bigint"), [new AggregateSpec("count", null)]);
        (string, int?)[] aggregates = [("count", null)];
        RecordBatch Keys(params long[] keys) => Partial(Batch("k bigint", keys.Select(k => new object?[] { k }).ToArray()), [0], aggregates);
        long[] DeltaKeys() => Rows(state.Delta()).Select(r => (long)r[1]!).Order().ToArray();

        // Two epochs (two touched lists) without a delta between them: both epochs' groups.
        state.Merge(Keys(1, 2, 300), []);
        state.Merge(Keys(2, 4), []);
        Assert.Equal([1L, 2, 4, 300], DeltaKeys());
        state.MarkClean();

        // A checkpoint without a delta taken forgets the touches before it.
        state.Merge(Keys(5), []);
        state.MarkClean();
        Assert.Empty(DeltaKeys());

        // Merges into one list on both sides of a delta: the second delta holds the first's groups and the later ones.
        var touched = new List<int>();
        state.Merge(Keys(1), touched);
        Assert.Equal([1L], DeltaKeys());
        state.Merge(Keys(64, 1), touched);
        Assert.Equal([1L, 64], DeltaKeys());
        state.MarkClean();
        state.Merge(Keys(2), []);
        Assert.Equal([2L], DeltaKeys());

        // Results of a slot that holds no group are refused; the epoch's own lists of live slots go unchecked.
        Assert.Throws<ArgumentOutOfRangeException>(() => state.Results([state.Keys.SlotBound + 3]));
    }

    private static int SlotOf1(AggregationState state, string key)
    {
        var slots = new int[1];
        state.Keys.TryGet([Column("string", key)], 1, slots);
        return slots[0];
    }

    [Fact]
    public void SnapshotThenDeltas_ThroughIpc_RestoreIdenticalResults()
    {
        var original = NewState();
        Feed(original, Input(0, 500, 40));
        var snapshot = ThroughIpc(original.Snapshot());
        original.MarkClean();

        Feed(original, Input(500, 300, 60));
        var evict = new List<int>();
        original.LiveSlots(evict);
        original.Remove(CollectionsMarshal.AsSpan(evict)[..5]);
        var delta1 = ThroughIpc(original.Delta());
        original.MarkClean();
        Feed(original, Input(800, 50, 70));
        var delta2 = ThroughIpc(original.Delta());
        original.MarkClean();

        var restored = NewState();
        restored.Apply(snapshot);
        restored.Apply(delta1);
        restored.Apply(delta2);
        Assert.Equal(original.Count, restored.Count);
        Assert.Equal(Sorted(AllResults(original)), Sorted(AllResults(restored)));
        Assert.Equal(0, restored.Delta().Length);

        // And the restored state keeps aggregating exactly like the original.
        Feed(original, Input(850, 100, 80));
        Feed(restored, Input(850, 100, 80));
        Assert.Equal(Sorted(AllResults(original)), Sorted(AllResults(restored)));
    }

    [Fact]
    public void RemoveAtOrBelow_RecordsTheRange_NotATombstonePerKey_AndRestoresExactly()
    {
        (string, int?)[] aggregates = [("count", null), ("sum", 2)];
        AggregationState NewWindowState() => new(Schema("k bigint, end timestamp"), [new AggregateSpec("count", null), new AggregateSpec("sum", Apache.Arrow.Types.Int64Type.Default)]);
        RecordBatch Rows3(params (long K, long? End, long V)[] rows) =>
            Partial(Batch("k bigint, end timestamp, v bigint", rows.Select(r => new object?[] { r.K, r.End is { } e ? DateTimeOffset.FromUnixTimeMilliseconds(e) : null, r.V }).ToArray()), [0, 1], aggregates);
        void Evict(AggregationState state, long atOrBelowMs)
        {
            var slots = new List<int>();
            state.SlotsWithKeyAtMost(1, atOrBelowMs * 1000, slots);
            state.RemoveAtOrBelow(1, atOrBelowMs * 1000, CollectionsMarshal.AsSpan(slots));
        }

        var original = NewWindowState();
        original.Merge(Rows3((1, 10, 1), (2, 10, 2), (1, 20, 3), (3, 30, 4), (4, null, 5)), []);
        var snapshot = ThroughIpc(original.Snapshot());
        original.MarkClean();

        // Epoch 1: windows ending at 10 and 20 are evicted; a window ending at 15 is written after the eviction, one at 40 before.
        original.Merge(Rows3((5, 40, 6)), []);
        Evict(original, 20);
        original.Merge(Rows3((6, 15, 7)), []);
        Evict(original, 12);
        var delta1 = ThroughIpc(original.Delta());
        Assert.DoesNotContain(Rows(delta1), r => (bool)r[0]!);
        Assert.Equal(2, delta1.Length);
        original.MarkClean();

        // Epoch 2 only evicts: its delta has no rows, only the range.
        Evict(original, 30);
        var delta2 = ThroughIpc(original.Delta());
        Assert.Equal(0, delta2.Length);
        Assert.True(delta2.Schema.HasMetadata);
        original.MarkClean();

        var restored = NewWindowState();
        foreach (var batch in new[] { snapshot, delta1, delta2 }) restored.Apply(batch);
        Assert.Equal([4L, 5L], Rows(AllResults(original)).Select(r => (long)r[0]!).Order());
        Assert.Equal(Sorted(AllResults(original)), Sorted(AllResults(restored)));

        // Restored up to epoch 1 only, the window ending at 15 (written after that epoch's eviction) is there.
        var atEpoch1 = NewWindowState();
        foreach (var batch in new[] { snapshot, delta1 }) atEpoch1.Apply(batch);
        Assert.Equal([3L, 4L, 5L, 6L], Rows(AllResults(atEpoch1)).Select(r => (long)r[0]!).Order());
    }

    [Fact]
    public void Apply_WithKeyGroupFilter_KeepsOnlyThosePartitionsKeys()
    {
        var original = NewState();
        Feed(original, Input(0, 1000, 200));
        var snapshot = ThroughIpc(original.Snapshot());
        var parts = new AggregationState[3];
        for (var p = 0; p < parts.Length; p++)
        {
            var partition = p;
            parts[p] = NewState();
            parts[p].Apply(snapshot, g => KeyGroups.PartitionOf(g, 128, 3) == partition, 128);
            var live = new List<int>();
            parts[p].LiveSlots(live);
            Assert.All(live, s => Assert.Equal(partition, KeyGroups.PartitionOf(parts[p].Keys.KeyGroupOf(s, 128), 128, 3)));
            Assert.InRange(parts[p].Count, 1, original.Count - 1);
        }
        Assert.Equal(original.Count, parts.Sum(p => p.Count));
        Assert.Equal(Sorted(AllResults(original)), parts.SelectMany(p => Sorted(AllResults(p))).OrderBy(s => s, StringComparer.Ordinal));
    }

    [Fact]
    public void Apply_LaterRowForTheSameKeyWins_AndDeletedRowsRemove()
    {
        var state = new AggregationState(Schema("k string"), [new AggregateSpec("sum", Apache.Arrow.Types.Int64Type.Default)]);
        var batch = Batch("__deleted boolean, k string, _agg0_sum bigint",
            [false, "a", 1L], [false, "b", 2L], [false, "a", 10L], [true, "b", null], [true, "zz", null], [false, "c", null]);
        state.Apply(batch);
        Assert.Equal(["a | 10", "c | null"], Sorted(AllResults(state)));
        Assert.Throws<ArgumentException>(() => state.Apply(Batch("k string, _agg0_sum bigint", ["a", 1L])));

        // Without deleted rows the keys go in by column; the last row of a key still wins, for string and bigint keys.
        state.Apply(Batch("__deleted boolean, k string, _agg0_sum bigint", [false, "d", 4L], [false, "a", 11L], [false, "d", 40L], [false, "a", 12L]));
        Assert.Equal(["a | 12", "c | null", "d | 40"], Sorted(AllResults(state)));
        var numbers = new AggregationState(Schema("k bigint"), [new AggregateSpec("sum", Apache.Arrow.Types.Int64Type.Default)]);
        numbers.Apply(Batch("__deleted boolean, k bigint, _agg0_sum bigint", [false, 1L, 1L], [false, null, 2L], [false, 1L, 3L], [false, null, 4L], [false, 2L, 5L]));
        Assert.Equal(["1 | 3", "2 | 5", "null | 4"], Sorted(AllResults(numbers)));
    }

    // Once a scan (and its eviction) leaves only groups above some value, a scan below it reads no group; a group added below
    // that value (a window not yet closed, a late one in Update mode), removed groups, and a restore must still be seen by
    // every later scan: the answers are those of reading every group.
    [Fact]
    public void SlotsWithKeyAtMost_BelowEveryGroupAfterAnEviction_FindsWhatAFullScanFinds()
    {
        AggregationState NewState() => new(Schema("k bigint, end timestamp"), [new AggregateSpec("count", null)]);
        RecordBatch Rows2(params (long K, long? EndMs)[] rows) =>
            Partial(Batch("k bigint, end timestamp", rows.Select(r => new object?[] { r.K, r.EndMs is { } e ? DateTimeOffset.FromUnixTimeMilliseconds(e) : null }).ToArray()), [0, 1], [("count", null)]);
        List<int> Scan(AggregationState state, long atOrBelowMs)
        {
            var slots = new List<int>();
            state.SlotsWithKeyAtMost(1, atOrBelowMs * 1000, slots);
            return slots;
        }
        List<string> Ends(AggregationState state, List<int> slots) =>
            [.. Rows(state.Results(CollectionsMarshal.AsSpan(slots))).Select(r => $"{r[0]}@{((DateTime)r[1]!).Millisecond + 1000 * ((DateTime)r[1]!).Second}").Order()];
        void Evict(AggregationState state, long atOrBelowMs) =>
            state.RemoveAtOrBelow(1, atOrBelowMs * 1000, CollectionsMarshal.AsSpan(Scan(state, atOrBelowMs)));

        var state = NewState();
        state.Merge(Rows2((1, 1_000), (2, 2_000), (3, 5_000), (4, null)), []);
        Evict(state, 2_000);                                     // leaves 5 s (and the null): scans below 5 s find nothing
        Assert.Empty(Scan(state, 4_000));
        state.Merge(Rows2((5, 3_000), (6, 9_000)), []);          // a group below that
        Assert.Equal(["5@3000"], Ends(state, Scan(state, 4_000)));
        Evict(state, 4_000);
        Assert.Empty(Scan(state, 4_500));
        state.Update(Columns(Batch("k bigint, end timestamp", [7L, DateTimeOffset.FromUnixTimeMilliseconds(1_500)]), 0, 1), [null], 1, []);
        Assert.Equal(["7@1500"], Ends(state, Scan(state, 4_500)));
        // A scan that finds groups it does not evict leaves them findable.
        Assert.Equal(["3@5000", "7@1500"], Ends(state, Scan(state, 5_000)));
        Assert.Equal(["3@5000", "6@9000", "7@1500"], Ends(state, Scan(state, 9_000)));

        // A restored state (a snapshot and a delta with a range removal) scans every group again.
        var snapshot = ThroughIpc(state.Snapshot());
        state.MarkClean();
        Evict(state, 5_000);
        state.Merge(Rows2((8, 4_000)), []);
        var delta = ThroughIpc(state.Delta());
        var restored = NewState();
        Evict(restored, 100_000);
        restored.Apply(snapshot);
        restored.Apply(delta);
        Assert.Equal(["8@4000"], Ends(restored, Scan(restored, 5_000)));
        Assert.Equal(["6@9000", "8@4000"], Ends(restored, Scan(restored, 9_000)));
    }

    // A watermark's eviction checks each slot as the key table takes it out (few slots one by one, a third of the state or
    // more by a rebuild): a slot above the threshold, a null key, a free slot or one listed twice refuses the whole list, and
    // the state stays as it was (every group, its count and its delta); a valid list removes exactly its groups.
    [Theory]
    [InlineData(2)]
    [InlineData(40)]
    public void RemoveAtOrBelow_RefusesABadSlotList_WithNothingRemoved(int evicted)
    {
        var state = new AggregationState(Schema("k bigint, end timestamp"), [new AggregateSpec("count", null)]);
        var rows = Enumerable.Range(0, 60).Select(i => new object?[] { (long)i, i == 59 ? null : DateTimeOffset.FromUnixTimeMilliseconds(i < evicted ? 1_000 : 9_000) });
        state.Merge(Partial(Batch("k bigint, end timestamp", [.. rows]), [0, 1], [("count", null)]), []);
        state.MarkClean();
        var below = new List<int>();
        state.SlotsWithKeyAtMost(1, 1_000_000, below);
        Assert.Equal(evicted, below.Count);
        var above = new List<int>();
        state.SlotsWithKeyAtMost(1, 9_000_000, above);
        var nullSlot = Enumerable.Range(0, state.Keys.SlotBound).Except(above).Single();
        var before = Sorted(AllResults(state));

        foreach (var bad in new[] { above[^1], nullSlot, state.Keys.SlotBound, below[0] })
        {
            var slots = new List<int>(below) { bad };
            Assert.Throws<ArgumentOutOfRangeException>(() => state.RemoveAtOrBelow(1, 1_000_000, CollectionsMarshal.AsSpan(slots)));
            Assert.Equal(60, state.Count);
            Assert.Equal(before, Sorted(AllResults(state)));
            Assert.Equal(0, state.Delta().Length);
        }

        state.RemoveAtOrBelow(1, 1_000_000, CollectionsMarshal.AsSpan(below));
        Assert.Equal(60 - evicted, state.Count);
        Assert.Equal(before.Where(r => long.Parse(r.Split(" | ")[0], System.Globalization.CultureInfo.InvariantCulture) >= evicted), Sorted(AllResults(state)));
        // The groups that stay are found again (the rebuild re-placed them), and a removed key is a new group.
        state.Merge(Partial(Batch("k bigint, end timestamp", [0L, DateTimeOffset.FromUnixTimeMilliseconds(1_000)], [59L, DateTimeOffset.FromUnixTimeMilliseconds(9_000)]), [0, 1], [("count", null)]), []);
        Assert.Equal(60 - evicted + 2, state.Count);
    }

    [Fact]
    public void SlotsWithKeyAtMost_ComparesTheTimestampKey_NullNeverMatches()
    {
        var state = new AggregationState(Schema("name string, w timestamp"), [new AggregateSpec("count", null)]);
        var keys = Batch("name string, w timestamp",
            ["x", DateTime.UnixEpoch.AddTicks(100)], ["y", DateTime.UnixEpoch.AddTicks(200)], ["z", null], ["w", DateTime.UnixEpoch.AddTicks(300)]);
        state.Update(Columns(keys, 0, 1), [null], 4, []);
        var slots = new List<int>();
        state.SlotsWithKeyAtMost(1, 20, slots);
        Assert.Equal([0, 1], slots);
        slots.Clear();
        state.SlotsWithKeyAtMost(1, long.MaxValue, slots);
        Assert.Equal([0, 1, 3], slots);
        Assert.Throws<ArgumentException>(() => state.SlotsWithKeyAtMost(0, 0, slots));
    }

    // Keys kept by value (one bigint; a bigint and two timestamps) are scanned from their values a word of live bits at a time:
    // the same slots as reading each key, null never matching (a one-bigint null is the value 0), removed slots skipped.
    [Theory]
    [InlineData("t bigint", 0)]
    [InlineData("k bigint, t timestamp, e timestamp", 1)]
    public void SlotsWithKeyAtMost_OverKeysKeptByValue_MatchesReadingEachKey(string ddl, int column)
    {
        var state = new AggregationState(Schema(ddl), [new AggregateSpec("count", null)]);
        var width = Schema(ddl).FieldsList.Count;
        // Distinct values from -50 to 549 (0 among them), every tenth row null.
        object? Value(int i) => i % 10 == 0 ? null : column == 0 ? (i * 119 % 600) - 50L : DateTime.UnixEpoch.AddTicks(10 * ((i * 119 % 600) - 50L));
        var rows = Enumerable.Range(0, 300).Select(i => Enumerable.Range(0, width)
            .Select(c => c == column ? Value(i) : c == 0 ? (object)(long)i : DateTime.UnixEpoch.AddTicks(10 * i)).ToArray()).ToArray();
        var keys = Batch(ddl, rows);
        state.Update(Columns(keys, Enumerable.Range(0, width).ToArray()), [null], rows.Length, []);
        var live = new List<int>();
        state.LiveSlots(live);
        state.Remove([live[3], live[40], live[41], live[^1]]);
        foreach (var threshold in new long[] { -10, 0, 7, 49, 300, long.MaxValue })
        {
            var expected = new List<int>();
            for (var s = 0; s < state.Keys.SlotBound; s++)
                if (state.Keys.IsLive(s) && state.Keys.TryReadInt64(s, column, out var v) && v <= threshold) expected.Add(s);
            var actual = new List<int>();
            state.SlotsWithKeyAtMost(column, threshold, actual);
            Assert.Equal(expected, actual);
            Assert.NotEmpty(actual);
        }
    }

    [Fact]
    public void Merge_ListsEachTouchedSlotOncePerList_AndAnEmptyListStartsOver()
    {
        var state = new AggregationState(Schema("k string"), [new AggregateSpec("count", null)]);
        (string, int?)[] aggregates = [("count", null)];
        RecordBatch Keys(params string[] keys) => Partial(Batch("k string", keys.Select(k => new object?[] { k }).ToArray()), [0], aggregates);

        // Two producers' partials of one epoch into one list: b is listed once, in first-touched order.
        var epoch1 = new List<int>();
        state.Merge(Keys("a", "b", "a"), epoch1);
        state.Merge(Keys("c", "b", "d"), epoch1);
        Assert.Equal(new[] { "a", "b", "c", "d" }.Select(k => SlotOf1(state, k)), epoch1);

        // The next epoch's list starts empty: keys touched last epoch are listed again, untouched ones are not.
        var epoch2 = new List<int>();
        state.Merge(Keys("d", "e"), epoch2);
        state.Merge(Keys("a", "e"), epoch2);
        Assert.Equal(new[] { "d", "e", "a" }.Select(k => SlotOf1(state, k)), epoch2);
        Assert.Equal(["d | 2", "e | 2", "a | 3"], Rows(state.Results(CollectionsMarshal.AsSpan(epoch2))).Select(Print));
    }

    [Fact]
    public void OrderBySlot_ListsTheLatestListsSlotsInSlotOrder_AndRefusesAnOlderList()
    {
        var state = new AggregationState(Schema("k string"), [new AggregateSpec("count", null)]);
        (string, int?)[] aggregates = [("count", null)];
        RecordBatch Keys(params string[] keys) => Partial(Batch("k string", keys.Select(k => new object?[] { k }).ToArray()), [0], aggregates);
        state.Merge(Keys("a", "b", "c", "d", "e"), []);

        var epoch = new List<int>();
        state.Merge(Keys("e", "b"), epoch);
        state.Merge(Keys("d", "b"), epoch);
        state.OrderBySlot(epoch);
        Assert.Equal(new[] { "b", "d", "e" }.Select(k => SlotOf1(state, k)), epoch);
        Assert.Equal(["b | 3", "d | 2", "e | 2"], Rows(state.Results(CollectionsMarshal.AsSpan(epoch))).Select(Print));

        var next = new List<int>();
        state.Merge(Keys("a"), next);
        Assert.Throws<InvalidOperationException>(() => state.OrderBySlot(epoch));
    }

    [Fact]
    public void Merge_OfExistingKeys_DoesNotAllocatePerRow()
    {
        const int n = 1_000_000;
        var keys = new long[n];
        for (var i = 0; i < n; i++) keys[i] = i * 31L;
        var column = new Int64Array.Builder().AppendRange(keys).Build();
        var input = new RecordBatch(new Schema([new Field("k", Apache.Arrow.Types.Int64Type.Default, true)], null), [column], n);
        (string, int?)[] aggregates = [("count", null), ("sum", 0), ("max", 0), ("first", 0)];
        var (keySchema, specs) = PlanAggregates(input, [0], aggregates);
        var partial = Partial(input, [0], aggregates);
        var state = new AggregationState(keySchema, specs);
        var touched = new List<int>(n);
        state.Merge(partial, touched);
        Assert.Equal(n, state.Count);

        touched.Clear();
        var before = GC.GetAllocatedBytesForCurrentThread();
        state.Merge(partial, touched);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 16 * 1024, $"Merging {n} existing keys allocated {allocated} bytes.");
        Assert.Equal(n, touched.Count);
        Assert.Equal(["31 | 2 | 62 | 31 | 31"], Rows(state.Results([1])).Select(Print));
    }

    [Fact]
    public void EmptyBatchesAndEmptyStates_AreHarmless()
    {
        var state = NewState();
        state.Merge(ThroughIpc(Partial(Batch(Ddl), [0, 1], Aggregates)), []);
        Assert.Equal(0, state.Count);
        Assert.Equal(0, state.Delta().Length);
        var snapshot = ThroughIpc(state.Snapshot());
        Assert.Equal(state.DeltaSchema.FieldsList.Select(f => f.Name), snapshot.Schema.FieldsList.Select(f => f.Name));
        var restored = NewState();
        restored.Apply(snapshot);
        Assert.Equal(0, restored.Count);
        Assert.Equal(0, state.Results([]).Length);

        // Grouping without aggregates (a distinct) keeps just the keys.
        var distinct = new AggregationState(Schema("k string"), []);
        distinct.Merge(Batch("k string", ["x"], ["y"], ["x"]), []);
        Assert.Equal(["x", "y"], Rows(AllResults(distinct)).Select(Print));
    }
}
