using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Operators.Aggregation;
using OrleansStream.Engine.State;
using static OrleansStream.Engine.Tests.State.StateTestData;

namespace OrleansStream.Engine.Tests.State;

/// <summary>
/// The by-value paths for keys of several bigint/timestamp columns (hashing, key groups, key table, key columns) against
/// the encoded-key paths they shortcut: same hashes, slots, key groups and bytes.
/// </summary>
public class FixedKeyFastPathTests
{
    private static readonly long[] Edge = [0, 1, -1, 255, 256, -256, long.MinValue, long.MaxValue, 0x0102030405060708, -0x0102030405060708];

    public static TheoryData<string> Schemas => new()
    {
        "a bigint, b bigint",
        "a bigint, s timestamp, e timestamp",
        "s timestamp, a bigint, b bigint, e timestamp",
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(7)]
    public void HashInt64Columns_EqualsHashOfTheEncodedKey(int width)
    {
        var schema = Schema(string.Join(", ", Enumerable.Range(0, width).Select(c => $"c{c} {(c % 2 == 0 ? "bigint" : "timestamp")}")));
        var random = new Random(width);
        var rows = Enumerable.Range(0, 2_000).Select(_ => RandomRow(random, width, 0.25)).ToArray();
        var columns = Int64Columns(schema, rows);
        var encoder = new KeyEncoder(schema);
        encoder.Encode(columns, rows.Length);
        for (var r = 0; r < rows.Length; r++)
        {
            var values = rows[r].Select(v => v ?? 0).ToArray();
            var nulls = 0;
            for (var c = 0; c < width; c++)
                if (rows[r][c] is null) nulls |= 1 << c;
            Assert.Equal(KeyHash.Hash(encoder.Key(r)), KeyHash.HashInt64Columns(values, nulls));
        }
    }

    [Fact]
    public void HashInt64Columns_IgnoresTheValueOfANullColumn_AndTellsNullFromZero()
    {
        Assert.Equal(KeyHash.HashInt64Columns([5, 0], 0b10), KeyHash.HashInt64Columns([5, 99], 0b10));
        var hashes = new[] { 0b00, 0b01, 0b10, 0b11 }.Select(nulls => KeyHash.HashInt64Columns([0, 0], nulls)).ToArray();
        Assert.Equal(4, hashes.Distinct().Count());
        Assert.Equal(KeyHash.HashInt64Key(-7, true), KeyHash.HashInt64Columns([-7], 0));
    }

    [Theory]
    [MemberData(nameof(Schemas))]
    public void KeyGroupsAssign_SlicedColumnsWithNulls_MatchEncodedKeys(string ddl)
    {
        var schema = Schema(ddl);
        var width = schema.FieldsList.Count;
        var random = new Random(ddl.Length);
        var rows = Enumerable.Range(0, 700).Select(_ => RandomRow(random, width, 0.1)).ToArray();
        // Only some columns have nulls, so both gather loops (with and without a validity bitmap) run.
        foreach (var row in rows) row[width - 1] ??= 0;
        var columns = Int64Columns(schema, rows).Select(c => ArrowArrayFactory.Slice(c, 37, 600)).ToArray();
        Assert.Equal(0, columns[^1].NullCount);
        var groups = new int[600];
        KeyGroups.Assign(columns, 600, 128, groups);
        var encoder = new KeyEncoder(schema);
        encoder.Encode(columns, 600);
        for (var r = 0; r < 600; r++) Assert.Equal(KeyGroups.Of(encoder.Key(r), 128), groups[r]);
    }

    [Fact]
    public void KeyTable_NullAndZeroCombinationsAreDistinctKeys_AndMatchTheByteApi()
    {
        var schema = Schema("a bigint, s timestamp");
        var table = new KeyTable(schema);
        long?[][] rows = [[0, 0], [0, null], [null, 0], [null, null], [0, 0], [null, 0], [1, null], [null, null]];
        var columns = Int64Columns(schema, rows);
        var (slots, added) = (new int[8], new bool[8]);
        table.GetOrAdd(columns, 8, slots, added);
        Assert.Equal([0, 1, 2, 3, 0, 2, 4, 3], slots);
        Assert.Equal([true, true, true, true, false, false, true, false], added);

        var encoder = new KeyEncoder(schema);
        encoder.Encode(columns, 8);
        for (var r = 0; r < 8; r++)
        {
            Assert.True(table.TryGet(encoder.Key(r), out var slot));
            Assert.Equal(slots[r], slot);
            Assert.Equal(encoder.Key(r).ToArray(), table.KeyBytes(slot).ToArray());
            Assert.Equal(KeyGroups.Of(encoder.Key(r), 128), table.KeyGroupOf(slot, 128));
        }
        var keys = Rows(new RecordBatch(schema, table.KeyColumns([0, 1, 2, 3, 4]), 5)).Select(r => string.Join(",", r.Select(v => v is null ? "null" : "v")));
        Assert.Equal(["v,v", "v,null", "null,v", "null,null", "v,null"], keys);

        // A key added through the byte API is found through the column API, and the other way round.
        var extra = Int64Columns(schema, [[42, -42], [7, 7], [null, null]]);
        encoder.Encode(extra, 3);
        Assert.Equal(5, table.GetOrAdd(encoder.Key(0), out var byBytes));
        Assert.True(byBytes);
        Assert.Equal(5, table.GetOrAdd(encoder.Key(0), out byBytes));
        Assert.False(byBytes);
        var found = new int[3];
        Assert.Equal(2, table.TryGet(extra, 3, found));
        Assert.Equal([5, -1, 3], found);
        Assert.False(table.TryGet(encoder.Key(1), out _));
    }

    [Fact]
    public void KeyTable_KeysDifferingOnlyInNulls_WithTheSameBucketTag_AreDistinct()
    {
        // (a, 0) and (a, null) store the same values; for this a (found by search) their hashes also share the low 32 bits,
        // which are the bucket entry's tag and the home bucket, so only the null bits tell the keys apart.
        const long a = 839_052_662;
        Assert.Equal((uint)KeyHash.HashInt64Columns([a, 0], 0), (uint)KeyHash.HashInt64Columns([a, 0], 0b10));
        Assert.NotEqual(KeyHash.HashInt64Columns([a, 0], 0), KeyHash.HashInt64Columns([a, 0], 0b10));
        var schema = Schema("a bigint, b bigint");
        foreach (var order in new long?[][][] { [[a, null], [a, 0]], [[a, 0], [a, null]] })
        {
            var table = new KeyTable(schema);
            var columns = Int64Columns(schema, order);
            var (slots, added) = (new int[2], new bool[2]);
            table.GetOrAdd(columns, 2, slots, added);
            Assert.Equal([0, 1], slots);
            Assert.Equal([true, true], added);
            var encoder = new KeyEncoder(schema);
            encoder.Encode(columns, 2);
            for (var r = 0; r < 2; r++)
            {
                Assert.True(table.TryGet(encoder.Key(r), out var slot));
                Assert.Equal(r, slot);
            }
            table.Remove(0);
            var found = new int[2];
            Assert.Equal(1, table.TryGet(columns, 2, found));
            Assert.Equal([-1, 1], found);
            Assert.Equal(0, table.GetOrAdd(encoder.Key(0), out var again));
            Assert.True(again);
            Assert.Equal(Rows(new RecordBatch(schema, new KeyEncoder(schema).Decode([encoder.Key(0).ToArray(), encoder.Key(1).ToArray()]), 2)).Select(Print),
                Rows(new RecordBatch(schema, table.KeyColumns([0, 1]), 2)).Select(Print));
        }
    }

    [Fact]
    public void KeyTable_NullTypedColumnGoesThroughTheEncoder_ToTheSameSlots()
    {
        // A null-typed array (all null) is accepted by the encoder but is not a bigint array: the table encodes those rows.
        var schema = Schema("a bigint, s timestamp");
        var table = new KeyTable(schema);
        var typed = Int64Columns(schema, [[3, null], [4, null]]);
        var slots = new int[2];
        table.GetOrAdd(typed, 2, slots, new bool[2]);
        var untyped = new IArrowArray[] { Int64Columns(schema, [[4, 0], [5, 0]])[0], new NullArray(2) };
        var again = new int[2];
        var added = new bool[2];
        table.GetOrAdd(untyped, 2, again, added);
        Assert.Equal([1, 2], again);
        Assert.Equal([false, true], added);
        var found = new int[1];
        Assert.Equal(1, table.TryGet(Int64Columns(schema, [[5, null]]), 1, found));
        Assert.Equal(2, found[0]);
    }

    [Fact]
    public void KeyTable_MalformedEncodedKey_IsRefused()
    {
        var table = new KeyTable(Schema("a bigint, b bigint"));
        Assert.Throws<ArgumentException>(() => table.GetOrAdd(new byte[9], out _));
        var nullWithValue = new byte[18];
        nullWithValue[0] = 1;
        nullWithValue[10] = 5; // column b: marker 0 (null) but a nonzero value byte
        Assert.Throws<ArgumentException>(() => table.TryGet(nullWithValue, out _));
        var badMarker = new byte[18];
        badMarker[9] = 2;
        Assert.Throws<ArgumentException>(() => table.GetOrAdd(badMarker, out _));
    }

    [Theory]
    [MemberData(nameof(Schemas))]
    public void KeyTable_GrowthRemovalAndSlicedInput_AgreeWithTheEncodedTable(string ddl)
    {
        // The string-typed twin of the key (each column's number as text) goes through the generic encoded path: slot ids
        // depend only on which keys are equal and on the order of adds and removes, so both tables must hand out the same.
        const int n = 30_000;
        var schema = Schema(ddl);
        var width = schema.FieldsList.Count;
        var typed = new KeyTable(schema);
        var generic = new KeyTable(Schema(string.Join(", ", schema.FieldsList.Select(f => f.Name + " string"))));
        var random = new Random(ddl.Length + 1);
        // Small value ranges (zero and negatives included) so that keys repeat within and across batches.
        var rows = Enumerable.Range(0, n + 100).Select(_ => Enumerable.Range(0, width)
            .Select(_ => random.Next(50) == 0 ? null : (long?)(random.Next(-20, 20) * 1_000_003L)).ToArray()).ToArray();
        var columns = Int64Columns(schema, rows).Select(c => ArrowArrayFactory.Slice(c, 100, n)).ToArray();
        var text = TextColumns(rows).Select(c => ArrowArrayFactory.Slice(c, 100, n)).ToArray();
        for (var round = 0; round < 3; round++)
        {
            var (a, addedA) = (new int[n], new bool[n]);
            var (b, addedB) = (new int[n], new bool[n]);
            typed.GetOrAdd(columns, n, a, addedA);
            generic.GetOrAdd(text, n, b, addedB);
            Assert.Equal(b, a);
            Assert.Equal(addedB, addedA);
            Assert.Equal(generic.SlotBound, typed.SlotBound);
            AssertMatchesEncoding(typed, columns, a);
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
        Assert.Equal(generic.TryGet(text, n, expected), typed.TryGet(columns, n, found));
        Assert.Equal(expected, found);
    }

    [Theory]
    [InlineData("k bigint")]
    [InlineData("k timestamp")]
    [InlineData("a bigint, s timestamp, e timestamp")]
    [InlineData("a bigint, b bigint, c bigint, d bigint")]
    public void KeyColumns_AreTheArraysDecodedFromTheKeyBytes(string ddl)
    {
        var schema = Schema(ddl);
        var width = schema.FieldsList.Count;
        var random = new Random(3);
        foreach (var nullShare in new[] { 0.0, 0.2 })
        {
            var table = new KeyTable(schema);
            var rows = Enumerable.Range(0, 3_000).Select(_ => RandomRow(random, width, nullShare)).ToArray();
            table.GetOrAdd(Int64Columns(schema, rows), rows.Length, out _);
            for (var s = 0; s < table.SlotBound; s += 4) table.Remove(s);
            var live = new List<int>();
            table.LiveSlots(live);
            live.Reverse();
            var slots = live.ToArray();
            var expected = new KeyEncoder(schema).Decode(slots.Select(s => table.KeyBytes(s).ToArray()).ToList());
            var actual = table.KeyColumns(slots);
            for (var c = 0; c < width; c++)
            {
                Assert.Equal(expected[c].GetType(), actual[c].GetType());
                Assert.Same(expected[c].Data.DataType, actual[c].Data.DataType);
                Assert.Equal(expected[c].NullCount, actual[c].NullCount);
                Assert.Equal(expected[c].Data.Buffers[0].IsEmpty, actual[c].Data.Buffers[0].IsEmpty);
            }
            Assert.Equal(ArrowIpc.Serialize(new RecordBatch(schema, expected, slots.Length)), ArrowIpc.Serialize(new RecordBatch(schema, actual, slots.Length)));
        }
    }

    [Fact]
    public void AggregationState_WithWindowKeys_RestoresFromDeltasIntoThePartitionsOwningTheKeys()
    {
        // Removed keys travel as tombstones (a table of fixed keys too), live keys as key columns; the restored partitions
        // must own exactly the keys that routing sends them.
        var schema = Schema("auction bigint, window_start timestamp, window_end timestamp");
        AggregateSpec[] count = [new("count", null)];
        var original = new AggregationState(schema, count);
        var random = new Random(11);
        var rows = Enumerable.Range(0, 5_000).Select(_ =>
        {
            var start = random.Next(-3, 10) * 10_000_000L;
            return new long?[] { random.Next(30) == 0 ? null : random.Next(-5, 200), start, random.Next(40) == 0 ? null : start + 10_000_000 };
        }).ToArray();
        var keys = Int64Columns(schema, rows);
        original.Update(keys, [null], rows.Length, []);
        var snapshot = ThroughIpc(original.Snapshot());
        original.MarkClean();
        var live = new List<int>();
        original.LiveSlots(live);
        original.Remove(live.Where(s => s % 3 == 0).ToArray());
        original.Update(keys.Select(k => ArrowArrayFactory.Slice(k, 0, 1_000)).ToArray(), [null], 1_000, []);
        var delta = ThroughIpc(original.Delta());
        Assert.Contains(true, ((BooleanArray)delta.Column(0)).Values.ToArray().Select(b => b != 0));

        var expected = Results(original);
        var restored = new List<string>();
        for (var p = 0; p < 3; p++)
        {
            var partition = p;
            var part = new AggregationState(schema, count);
            part.Apply(snapshot, g => KeyGroups.PartitionOf(g, 128, 3) == partition, 128);
            part.Apply(delta, g => KeyGroups.PartitionOf(g, 128, 3) == partition, 128);
            var slots = new List<int>();
            part.LiveSlots(slots);
            var groups = new int[slots.Count];
            KeyGroups.Assign(part.Keys.KeyColumns(slots.ToArray()), slots.Count, 128, groups);
            Assert.All(groups, g => Assert.Equal(partition, KeyGroups.PartitionOf(g, 128, 3)));
            restored.AddRange(Results(part));
        }
        Assert.Equal(expected, restored.Order(StringComparer.Ordinal));
    }

    private static List<string> Results(AggregationState state)
    {
        var slots = new List<int>();
        state.LiveSlots(slots);
        return Sorted(state.Results(slots.ToArray()));
    }

    // Each slot's key bytes are the row's encoding, and its key group is that of the encoding.
    private static void AssertMatchesEncoding(KeyTable table, IArrowArray[] columns, int[] slots)
    {
        var encoder = new KeyEncoder(table.KeySchema);
        encoder.Encode(columns, slots.Length);
        for (var r = 0; r < slots.Length; r++)
        {
            Assert.True(encoder.Key(r).SequenceEqual(table.KeyBytes(slots[r])));
            Assert.Equal(KeyGroups.Of(encoder.Key(r), 1000), table.KeyGroupOf(slots[r], 1000));
            if (r % 97 != 0) continue;
            Assert.True(table.TryGet(encoder.Key(r), out var slot));
            Assert.Equal(slots[r], slot);
        }
    }

    private static long?[] RandomRow(Random random, int width, double nullShare) =>
        Enumerable.Range(0, width).Select(_ => random.NextDouble() < nullShare ? null : (long?)RandomValue(random)).ToArray();

    private static long RandomValue(Random random) => random.Next(3) switch
    {
        0 => Edge[random.Next(Edge.Length)],
        1 => random.Next(-1000, 1000),
        _ => random.NextInt64(long.MinValue, long.MaxValue),
    };

    // Arrays of the key fields' types from raw longs (timestamps too), a validity bitmap only where a column has nulls, and
    // varying garbage under the nulls (Arrow leaves those bytes undefined, so they must not matter).
    // Keys kept by value are encoded only when their bytes are asked for: a slot freed and reused by another key gives the
    // new key's bytes, nulls and zeros included, as the encoder writes them.
    [Theory]
    [InlineData("k bigint")]
    [InlineData("a bigint, s timestamp, e timestamp")]
    public void KeyBytes_OfAReusedSlot_AreTheNewKeysEncoding(string ddl)
    {
        var schema = Schema(ddl);
        var width = schema.FieldsList.Count;
        var table = new KeyTable(schema);
        long?[] Row(long? v) => [.. Enumerable.Repeat(v, width)];
        var first = Int64Columns(schema, [Row(7), Row(0), Row(null)]);
        var slots = new int[3];
        table.GetOrAdd(first, 3, slots, new bool[3]);
        table.Remove([slots[0], slots[1], slots[2]]);
        var second = Int64Columns(schema, [Row(null), Row(-3), Row(0)]);
        table.GetOrAdd(second, 3, slots, new bool[3]);
        var encoder = new KeyEncoder(schema);
        encoder.Encode(second, 3);
        for (var r = 0; r < 3; r++)
        {
            Assert.True(slots[r] < 3);
            Assert.Equal(encoder.Key(r).ToArray(), table.KeyBytes(slots[r]).ToArray());
        }
    }

    private static IArrowArray[] Int64Columns(Schema schema, long?[][] rows)
    {
        var columns = new IArrowArray[schema.FieldsList.Count];
        for (var c = 0; c < columns.Length; c++)
        {
            var values = new long[rows.Length];
            var validity = new byte[(rows.Length + 7) / 8];
            var nulls = 0;
            for (var r = 0; r < rows.Length; r++)
            {
                if (rows[r][c] is { } v)
                {
                    values[r] = v;
                    BitUtility.SetBit(validity, r);
                }
                else
                {
                    values[r] = unchecked((r + 1) * (long)0x9E3779B97F4A7C15);
                    nulls++;
                }
            }
            var bytes = new byte[values.Length * sizeof(long)];
            Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
            var nullBitmap = nulls == 0 ? ArrowBuffer.Empty : new ArrowBuffer(validity);
            columns[c] = ArrowArrayFactory.BuildArray(
                new ArrayData(schema.FieldsList[c].DataType, rows.Length, nulls, 0, [nullBitmap, new ArrowBuffer(bytes)]));
        }
        return columns;
    }

    private static IArrowArray[] TextColumns(long?[][] rows) =>
        Enumerable.Range(0, rows[0].Length).Select(c =>
        {
            var builder = new StringArray.Builder();
            foreach (var row in rows)
            {
                if (row[c] is { } v) builder.Append(v.ToString(System.Globalization.CultureInfo.InvariantCulture));
                else builder.AppendNull();
            }
            return (IArrowArray)builder.Build();
        }).ToArray();
}
