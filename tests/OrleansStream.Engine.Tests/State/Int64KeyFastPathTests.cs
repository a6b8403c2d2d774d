using Apache.Arrow;
using OrleansStream.Engine.Operators.Aggregation;
using OrleansStream.Engine.State;
using static OrleansStream.Engine.Tests.State.StateTestData;

namespace OrleansStream.Engine.Tests.State;

/// <summary>The typed paths for one bigint/timestamp key (hashing, key groups, key table) against the encoded-key paths they shortcut.</summary>
public class Int64KeyFastPathTests
{
    private static readonly long[] Values = [0, 1, -1, 255, 256, long.MinValue, long.MaxValue, 0x0102030405060708, -0x0102030405060708];

    [Fact]
    public void HashInt64Key_EqualsHashOfTheEncodedKey()
    {
        var encoder = new KeyEncoder(Schema("k bigint"));
        var column = Column("bigint", [.. Values.Select(v => (object?)v), null]);
        for (var r = 0; r < column.Length; r++)
        {
            var expected = KeyHash.Hash(encoder.EncodeRow([column], r));
            var valid = column.IsValid(r);
            Assert.Equal(expected, KeyHash.HashInt64Key(valid ? ((Int64Array)column).GetValue(r)!.Value : 0, valid));
        }
        Assert.NotEqual(KeyHash.HashInt64Key(0, false), KeyHash.HashInt64Key(0, true));
    }

    [Theory]
    [InlineData("bigint")]
    [InlineData("timestamp")]
    public void KeyGroupsAssign_SlicedColumnWithNulls_MatchesEncodedKeys(string type)
    {
        var values = Enumerable.Range(0, 300).Select(i => i % 7 == 3 ? null : (object?)(type == "bigint" ? (i - 150L) * 977_231 : DateTime.UnixEpoch.AddSeconds(i * 13))).ToArray();
        var sliced = ArrowArrayFactory.Slice(Column(type, values), 37, 200);
        var groups = new int[200];
        KeyGroups.Assign([sliced], 200, 128, groups);
        var encoder = new KeyEncoder(Schema("k " + type));
        for (var r = 0; r < 200; r++) Assert.Equal(KeyGroups.Of(encoder.EncodeRow([sliced], r), 128), groups[r]);
    }

    [Fact]
    public void KeyTable_NullAndZeroAreDistinctKeys_AndMatchTheByteApi()
    {
        var table = new KeyTable(Schema("k bigint"));
        var column = Column("bigint", 0L, null, 0L, 5L, null, -5L);
        var slots = new int[6];
        var added = new bool[6];
        table.GetOrAdd([column], 6, slots, added);
        Assert.Equal([0, 1, 0, 2, 1, 3], slots);
        Assert.Equal([true, true, false, true, false, true], added);

        var encoder = new KeyEncoder(table.KeySchema);
        for (var r = 0; r < 6; r++)
        {
            var key = encoder.EncodeRow([column], r);
            Assert.True(table.TryGet(key, out var slot));
            Assert.Equal(slots[r], slot);
            Assert.Equal(key, table.KeyBytes(slot).ToArray());
            Assert.Equal(KeyGroups.Of(key, 128), table.KeyGroupOf(slot, 128));
        }
        var rows = Rows(new RecordBatch(table.KeySchema, table.KeyColumns([0, 1, 2, 3]), 4));
        Assert.Equal(["0", "null", "5", "-5"], rows.Select(Print));

        // A key added through the byte API is found through the column API, and the other way round.
        Assert.Equal(4, table.GetOrAdd(encoder.EncodeRow([Column("bigint", 42L)], 0), out var byBytes));
        Assert.True(byBytes);
        var found = new int[3];
        Assert.Equal(2, table.TryGet([Column("bigint", 42L, 7L, null)], 3, found));
        Assert.Equal([4, -1, 1], found);
    }

    [Fact]
    public void KeyTable_GrowthRemovalAndSlicedInput_AgreeWithTheEncodedTable()
    {
        // The string-typed twin of the key ("k string" holding the number) goes through the generic encoded path.
        const int n = 50_000;
        var typed = new KeyTable(Schema("k bigint"));
        var generic = new KeyTable(Schema("k string"));
        var random = new Random(7);
        var values = Enumerable.Range(0, n + 100).Select(i => i % 1000 == 999 ? null : (object?)(random.NextInt64(-n, n) * 31)).ToArray();
        var column = ArrowArrayFactory.Slice(Column("bigint", values), 100, n);
        var text = ArrowArrayFactory.Slice(Column("string", values.Select(v => v?.ToString()).ToArray<object?>()), 100, n);
        for (var round = 0; round < 3; round++)
        {
            var (a, addedA) = (new int[n], new bool[n]);
            var (b, addedB) = (new int[n], new bool[n]);
            typed.GetOrAdd([column], n, a, addedA);
            generic.GetOrAdd([text], n, b, addedB);
            Assert.Equal(b, a);
            Assert.Equal(addedB, addedA);
            // Remove every third live slot so later rounds reuse slots and shift buckets.
            for (var s = round; s < typed.SlotBound; s += 3)
            {
                if (!typed.IsLive(s)) continue;
                typed.Remove(s);
                generic.Remove(s);
            }
            Assert.Equal(generic.Count, typed.Count);
        }
        var found = new int[n];
        var expected = new int[n];
        typed.TryGet([column], n, found);
        generic.TryGet([text], n, expected);
        Assert.Equal(expected, found);
    }

    // A key kept by value stores no hash: a removal, a bucket rebuild and a key group hash the value and its null bit again,
    // so the null key and the key 0 (same value 0) must each find their own bucket and group, and restore as themselves.
    [Fact]
    public void KeyTable_NullAndZero_RemovedOneByOneAndByRebuild_AndRestored_StayDistinct()
    {
        var schema = Schema("k bigint");
        AggregateSpec[] count = [new("count", null)];
        var state = new AggregationState(schema, count);
        object?[] values = [0L, null, 0L, 7L, null, -7L, 1L << 40, 0L];
        state.Update([Column("bigint", values)], [null], values.Length, []);
        var encoder = new KeyEncoder(schema);
        var column = Column("bigint", 0L, null, 7L, -7L, 1L << 40);
        var slots = new int[5];
        Assert.Equal(5, state.Keys.TryGet([column], 5, slots));
        for (var r = 0; r < 5; r++) Assert.Equal(KeyGroups.Of(encoder.EncodeRow([column], r), 128), state.Keys.KeyGroupOf(slots[r], 128));
        var snapshot = ThroughIpc(state.Snapshot());

        // One by one (backward shift) takes the null key, then by rebuild (most of the keys at once) the key 0 and 7.
        state.Remove([slots[1]]);
        state.Remove([slots[0], slots[2]]);
        var found = new int[5];
        Assert.Equal(2, state.Keys.TryGet([column], 5, found));
        Assert.Equal([-1, -1, -1, slots[3], slots[4]], found);
        // The freed slots come back for the null key and the key 0 (LIFO: into the slots of 7 and of 0).
        state.Update([Column("bigint", null, 0L)], [null], 2, []);
        Assert.Equal(4, state.Keys.TryGet([column], 5, found));
        Assert.Equal(-1, found[2]);
        Assert.Equal(["-7 | 1", "0 | 1", "1099511627776 | 1", "null | 1"], Sorted(state.Results([found[0], found[1], found[3], found[4]])));
        Assert.Equal(KeyGroups.Of(encoder.EncodeRow([column], 1), 128), state.Keys.KeyGroupOf(found[1], 128));

        var restored = new AggregationState(schema, count);
        restored.Apply(snapshot);
        var all = new List<int>();
        restored.LiveSlots(all);
        Assert.Equal(["-7 | 1", "0 | 3", "1099511627776 | 1", "7 | 1", "null | 2"], Sorted(restored.Results(all.ToArray())));
    }

    [Fact]
    public void KeyTable_EncodedNullWithAValue_IsRefused()
    {
        var table = new KeyTable(Schema("k bigint"));
        var nullWithValue = new byte[9];
        nullWithValue[3] = 5; // marker 0 (null) but a nonzero value byte: it would not hash again to its own hash
        Assert.Throws<ArgumentException>(() => table.GetOrAdd(nullWithValue, out _));
        Assert.Throws<ArgumentException>(() => table.TryGet(nullWithValue, out _));
    }
}
