using Apache.Arrow;
using OrleansStream.Engine.State;
using static OrleansStream.Engine.Tests.State.StateTestData;

namespace OrleansStream.Engine.Tests.State;

/// <summary>A one-bigint key table with a dense range (<see cref="DenseSlotMap"/>) gives every row the slot, added flag, key
/// and key group the table without one gives, through batches inside, across and outside the range, nulls, removals and
/// clears.</summary>
public class DenseSlotMapTests
{
    [Theory]
    [InlineData("bigint")]
    [InlineData("timestamp")]
    public void DenseTable_BatchesInAndOutOfTheRange_NullsRemovalsAndClears_GiveThePlainTablesSlots(string type)
    {
        var dense = new KeyTable(Schema("k " + type), denseRange: true);
        var plain = new KeyTable(Schema("k " + type));
        var random = new Random(11);
        for (var epoch = 0; epoch < 6; epoch++)
        {
            // Ids near a moving base (the first batch lays out the range), some far outside it, and in one epoch nulls.
            var baseId = 1_000_000L * epoch - 3_000;
            for (var batch = 0; batch < 4; batch++)
            {
                var n = 1 + random.Next(3_000);
                var values = new object?[n + 10];
                for (var i = 0; i < values.Length; i++)
                {
                    var pick = random.Next(100);
                    // The first batch of an epoch lays the range out, so it holds no far value.
                    long v = pick < 80 ? baseId + random.Next(2_000) + 500 * batch : pick < 95 && batch > 0 ? random.NextInt64(-1L << 40, 1L << 40) : baseId;
                    values[i] = epoch == 3 && batch == 1 && pick % 10 == 0 ? null : Value(type, v);
                }
                var column = ArrowArrayFactory.Slice(Column(type, values), 10, n);
                var (denseSlots, denseAdded) = Add(dense, column, n);
                var (plainSlots, plainAdded) = Add(plain, column, n);
                Assert.Equal(plainSlots, denseSlots);
                Assert.Equal(plainAdded, denseAdded);
                Assert.Equal(plain.Count, dense.Count);
                Assert.True(dense.HasDenseRange);
                if (batch == 2) RemoveSome(random, dense, plain);
            }
            var live = new List<int>();
            plain.LiveSlots(live);
            var liveDense = new List<int>();
            dense.LiveSlots(liveDense);
            Assert.Equal(live, liveDense);
            Assert.Equal(Rows(new RecordBatch(plain.KeySchema, plain.KeyColumns(live.ToArray()), live.Count)),
                Rows(new RecordBatch(dense.KeySchema, dense.KeyColumns(live.ToArray()), live.Count)));
            foreach (var s in live)
            {
                Assert.Equal(plain.KeyBytes(s).ToArray(), dense.KeyBytes(s).ToArray());
                Assert.Equal(plain.KeyGroupOf(s, 128), dense.KeyGroupOf(s, 128));
            }
            dense.Clear();
            plain.Clear();
        }
    }

    [Fact]
    public void DenseTable_AKeyRemovedAndItsSlotReused_IsNotFoundUnderTheOldEntry()
    {
        var table = new KeyTable(Schema("k bigint"), denseRange: true);
        Assert.Equal([0, 1, 2], Add(table, Column("bigint", 10L, 11L, 12L), 3).Slots);
        Assert.True(table.HasDenseRange);
        table.Remove(1);
        // Slot 1 goes to key 99 (outside the range laid out over 10..12); key 11 must be added again, not found in slot 1.
        var (slots, added) = Add(table, Column("bigint", 99L, 11L, 12L, 11L), 4);
        Assert.Equal([1, 3, 2, 3], slots);
        Assert.Equal([true, true, false, false], added);
        Assert.True(table.TryReadInt64(3, 0, out var value));
        Assert.Equal(11L, value);
    }

    // Keys of the laid-out range are held by their entries alone (no bucket): lookups by column and by encoded key, the null
    // key next to the key 0, removals one by one and by rebuild, and keys added again, all as in the plain table.
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void DenseTable_RangeKeysWithoutBuckets_FoundRemovedAndAddedAgain_AsInThePlainTable(int keepEvery)
    {
        var dense = new KeyTable(Schema("k bigint"), denseRange: true);
        var plain = new KeyTable(Schema("k bigint"));
        var inRange = Enumerable.Range(-50, 3_000).Select(i => (object?)(long)i).ToArray();   // 0 among them
        Add(dense, Column("bigint", inRange), inRange.Length);
        Add(plain, Column("bigint", inRange), inRange.Length);
        Assert.True(dense.HasDenseRange);
        // Nulls and values far outside the range go to the buckets; those in it stay with their entries.
        var mixed = new object?[] { null, 0L, 1L << 40, -(1L << 40), 7L, null, 5_000_000L, 2_000L };
        AddToBoth(dense, plain, mixed);
        AssertSameLookups(dense, plain, [.. inRange, .. mixed, 3_000L, -51L, 123_456_789L]);

        // The null key first (its stored value is 0: key 0 must stay), then all but every keepEvery-th key (a rebuild of the
        // buckets when more than a third go), then the rest one by one.
        var live = new List<int>();
        plain.LiveSlots(live);
        var nullSlot = plain.TryGet(new KeyEncoder(plain.KeySchema).EncodeRow([Column("bigint", [null])], 0), out var s0) ? s0 : -1;
        dense.Remove(nullSlot);
        plain.Remove(nullSlot);
        AssertSameLookups(dense, plain, [null, 0L, 1L]);
        var many = live.Where((s, i) => s != nullSlot && i % keepEvery != 0).ToArray();
        dense.Remove(many);
        plain.Remove(many);
        AssertSameLookups(dense, plain, [.. inRange, .. mixed]);
        live.Clear();
        plain.LiveSlots(live);
        foreach (var s in live.Take(live.Count / 2))
        {
            dense.Remove(s);
            plain.Remove(s);
        }
        AssertSameLookups(dense, plain, [.. inRange, .. mixed]);
        AddToBoth(dense, plain, [.. mixed, .. inRange]);
        AssertSameLookups(dense, plain, [.. inRange, .. mixed]);
        Assert.Equal(plain.Count, dense.Count);
    }

    private static void AddToBoth(KeyTable dense, KeyTable plain, object?[] values)
    {
        var (plainSlots, plainAdded) = Add(plain, Column("bigint", values), values.Length);
        var (denseSlots, denseAdded) = Add(dense, Column("bigint", values), values.Length);
        Assert.Equal(plainSlots, denseSlots);
        Assert.Equal(plainAdded, denseAdded);
    }

    private static void AssertSameLookups(KeyTable dense, KeyTable plain, object?[] values)
    {
        var column = Column("bigint", values);
        var expected = new int[values.Length];
        var actual = new int[values.Length];
        Assert.Equal(plain.TryGet([column], values.Length, expected), dense.TryGet([column], values.Length, actual));
        Assert.Equal(expected, actual);
        var encoder = new KeyEncoder(plain.KeySchema);
        for (var r = 0; r < values.Length; r++)
        {
            var key = encoder.EncodeRow([column], r);
            Assert.Equal(plain.TryGet(key, out var p) ? p : -1, dense.TryGet(key, out var d) ? d : -1);
        }
    }

    [Fact]
    public void DenseTable_ABatchSpanningTooManyValues_LaysOutNoRange_UntilTheTableIsCleared()
    {
        var table = new KeyTable(Schema("k bigint"), denseRange: true);
        var wide = Column("bigint", 0L, (long)DenseSlotMap.MostEntries(2));
        Add(table, wide, 2);
        Assert.False(table.HasDenseRange);
        // The next batch is narrow, but the table is not empty: still hashed, still the same slots.
        Assert.Equal([1, 2, 0], Add(table, Column("bigint", (long)DenseSlotMap.MostEntries(2), 5L, 0L), 3).Slots);
        table.Clear();
        Assert.Equal([0, 1, 0], Add(table, Column("bigint", 5L, 6L, 5L), 3).Slots);
        Assert.True(table.HasDenseRange);
    }

    [Fact]
    public void TryLayOut_ValuesFarApart_DoNotOverflowIntoARange()
    {
        var map = new DenseSlotMap();
        Assert.False(map.TryLayOut([long.MinValue, long.MaxValue], tableEmpty: true));
        // The room above the values stops at long.MaxValue, and below at long.MinValue: no value outside wraps into the range.
        var top = new DenseSlotMap();
        Assert.True(top.TryLayOut([long.MaxValue - 3, long.MaxValue], tableEmpty: true));
        Assert.Equal(DenseSlotMap.MinEntries, top.Size);
        Assert.Equal(top.Size - 1, top.IndexOf(long.MaxValue));
        Assert.Equal(-1, top.IndexOf(long.MinValue));
        Assert.Equal(-1, top.IndexOf(long.MinValue + 2));
        var bottom = new DenseSlotMap();
        Assert.True(bottom.TryLayOut([long.MinValue, long.MinValue + 3], tableEmpty: true));
        Assert.Equal(0, bottom.IndexOf(long.MinValue));
        Assert.Equal(-1, bottom.IndexOf(long.MaxValue));
        Assert.Equal(-1, bottom.IndexOf(-1));
    }

    [Fact]
    public void TryLayOut_LeavesMostOfTheRoomAboveTheBatch_ForTheEpochsLaterIds()
    {
        var map = new DenseSlotMap();
        Assert.True(map.TryLayOut([1_000, 1_500, 1_200], tableEmpty: true));
        Assert.Equal(DenseSlotMap.MinEntries, map.Size);
        Assert.True(map.Base < 1_000 && 1_000 - map.Base < map.Size / 4);
        Assert.True(map.IndexOf(1_500 + map.Size / 2) >= 0);
    }

    // A state's table (never emptied) whose keys turn out dense moves them into a range once it holds enough of them, and
    // gives every row the slot and added flag a table of the same keys and a constant second column gives (hashed as ever):
    // through batches in and far outside the range, nulls, removals one by one and many at once, and keys added again.
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void StateTable_DenseKeys_MoveIntoARange_AndGiveTheHashedTablesSlots(int keepEvery)
    {
        var state = new KeyTable(Schema("k bigint"));
        var hashed = new KeyTable(Schema("k bigint, c bigint"));
        var random = new Random(5);
        const int span = 3 * KeyTable.MinDenseStateKeys;
        for (var batch = 0; batch < 12; batch++)
        {
            var n = 2_000 + random.Next(8_000);
            var values = new object?[n];
            for (var i = 0; i < n; i++)
            {
                var pick = random.Next(1_000);
                values[i] = pick == 0 ? null : pick < 5 ? random.NextInt64(-1L << 40, 1L << 40) : (long)random.Next(span) - 100;
            }
            AddToStateAndHashed(state, hashed, values);
            if (batch % 4 == 3)
            {
                var live = new List<int>();
                hashed.LiveSlots(live);
                var removed = live.Where((_, i) => i % keepEvery == 0).ToArray();
                foreach (var s in removed.Take(50))
                {
                    state.Remove(s);
                    hashed.Remove(s);
                }
                state.Remove(removed.AsSpan(50));
                hashed.Remove(removed.AsSpan(50));
                Assert.Equal(hashed.Count, state.Count);
            }
        }
        Assert.True(state.HasDenseRange);
        AddToStateAndHashed(state, hashed, [null, 0L, -100L, span - 101L, -(1L << 41), 1L << 41, .. Enumerable.Range(0, span).Select(i => (object?)(long)i)]);
        var all = Enumerable.Range(-200, span + 400).Select(i => (object?)(long)i).Append(null).Append(1L << 41).ToArray();
        var expected = new int[all.Length];
        var actual = new int[all.Length];
        Assert.Equal(hashed.TryGet([Column("bigint", all), Zeros(all.Length)], all.Length, expected), state.TryGet([Column("bigint", all)], all.Length, actual));
        Assert.Equal(expected, actual);
        foreach (var s in actual.Where(s => s >= 0))
            Assert.Equal(hashed.TryReadInt64(s, 0, out var h) ? h : (long?)null, state.TryReadInt64(s, 0, out var v) ? v : null);
    }

    [Fact]
    public void StateTable_SparseKeys_StayHashed()
    {
        var table = new KeyTable(Schema("k bigint"));
        var random = new Random(3);
        for (var batch = 0; batch < 5; batch++)
        {
            var values = Enumerable.Range(0, 10_000).Select(_ => (object?)random.NextInt64(0, 1L << 40)).ToArray();
            Add(table, Column("bigint", values), values.Length);
        }
        Assert.True(table.Count > 2 * KeyTable.MinDenseStateKeys);
        Assert.False(table.HasDenseRange);
    }

    private static void AddToStateAndHashed(KeyTable state, KeyTable hashed, object?[] values)
    {
        var slots = new int[values.Length];
        var added = new bool[values.Length];
        hashed.GetOrAdd([Column("bigint", values), Zeros(values.Length)], values.Length, slots, added);
        var (stateSlots, stateAdded) = Add(state, Column("bigint", values), values.Length);
        Assert.Equal(slots, stateSlots);
        Assert.Equal(added, stateAdded);
    }

    private static IArrowArray Zeros(int n) => Column("bigint", Enumerable.Repeat((object?)0L, n).ToArray());

    private static object Value(string type, long v) => type == "bigint" ? v : DateTime.UnixEpoch.AddTicks((v % 1_000_000_000_000L) * 10);

    private static (int[] Slots, bool[] Added) Add(KeyTable table, IArrowArray column, int n)
    {
        var slots = new int[n];
        var added = new bool[n];
        table.GetOrAdd([column], n, slots, added);
        return (slots, added);
    }

    private static void RemoveSome(Random random, KeyTable dense, KeyTable plain)
    {
        var live = new List<int>();
        plain.LiveSlots(live);
        var removed = live.Where(_ => random.Next(3) == 0).ToArray();
        foreach (var s in removed.Take(removed.Length / 2))
        {
            dense.Remove(s);
            plain.Remove(s);
        }
        var rest = removed.Skip(removed.Length / 2).ToArray();
        dense.Remove(rest);
        plain.Remove(rest);
    }
}
