using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Engine.Operators.Aggregation;
using OrleansStream.Plan.Types;
using static OrleansStream.Engine.Tests.Aggregation.AggregationTestData;
using static OrleansStream.Engine.Tests.State.StateTestData;

namespace OrleansStream.Engine.Tests.Aggregation;

public class AggregateFunctionTests
{
    [Fact]
    public void EveryFunction_OnIntsWithNullsAndAllNullGroups()
    {
        var input = Batch("k string, v int",
            ["a", 1], ["a", null], ["a", 3], ["b", null], ["b", null], ["c", 5], ["d", null], ["d", 7]);
        var result = Aggregate(input, [0],
            ("count", null), ("count", 1), ("sum", 1), ("avg", 1), ("min", 1), ("max", 1), ("first", 1), ("last", 1),
            ("approx_count_distinct", 1), ("mean", 1));

        Assert.Equal(
            "k string, _agg0 bigint NOT NULL, _agg1 bigint NOT NULL, _agg2 bigint, _agg3 double, _agg4 int, _agg5 int, _agg6 int, " +
            "_agg7 int, _agg8 bigint NOT NULL, _agg9 double",
            DataTypes.ToDdl(result.Schema));
        Assert.Equal(
            [
                "a | 3 | 2 | 4 | 2 | 1 | 3 | 1 | 3 | 2 | 2",
                "b | 2 | 0 | null | null | null | null | null | null | 0 | null",
                "c | 1 | 1 | 5 | 5 | 5 | 5 | 5 | 5 | 1 | 5",
                // first() takes the leading null: Spark's default ignoreNulls = false.
                "d | 2 | 1 | 7 | 7 | 7 | 7 | null | 7 | 1 | 7",
            ],
            Rows(result).Select(Print));
    }

    [Fact]
    public void Strings_OrderByUtf8Bytes_FirstAndLastKeepNulls()
    {
        var input = Batch("k string, s string",
            ["g", "b"], ["g", "é"], ["g", null], ["g", "a"], ["g", "z"], ["h", "x"], ["h", null], ["i", null]);
        var result = Aggregate(input, [0], ("min", 1), ("max", 1), ("first", 1), ("last", 1), ("count", 1), ("approx_count_distinct", 1));
        // 'é' is 0xC3 0xA9 in UTF-8, above 'z' (0x7A).
        Assert.Equal(
            ["g | a | é | b | z | 4 | 4", "h | x | x | x | null | 1 | 1", "i | null | null | null | null | 0 | 0"],
            Rows(result).Select(Print));
        Assert.Equal("string", DataTypes.ToDdl(result.Schema.FieldsList[1].DataType));
    }

    [Fact]
    public void Doubles_NaNIsLargest_SumOfFloatsIsDouble()
    {
        var input = Batch("k int, d double, f float",
            [1, 1.0, 0.5f], [1, double.NaN, 0.25f], [1, 2.0, null], [2, null, null], [3, -1.5, -2f], [3, -0.5, 1f]);
        var result = Aggregate(input, [0], ("min", 1), ("max", 1), ("sum", 1), ("avg", 1), ("sum", 2), ("max", 2));
        Assert.Equal(
            ["1 | 1 | NaN | NaN | NaN | 0.75 | 0.5", "2 | null | null | null | null | null | null", "3 | -1.5 | -0.5 | -2 | -1 | -1 | 1"],
            Rows(result).Select(Print));
        Assert.Equal("double", DataTypes.ToDdl(result.Schema.FieldsList[5].DataType));
    }

    [Fact]
    public void Decimals_SumExactly_AverageRoundsHalfUpAtScalePlusFour()
    {
        var input = Batch("k string, m decimal(5,2)",
            ["a", 1.10m], ["a", 2.20m], ["a", 3.35m], ["b", -1.00m], ["b", -0.01m], ["b", 0.00m], ["c", null]);
        var result = Aggregate(input, [0], ("sum", 1), ("avg", 1), ("min", 1), ("max", 1));
        Assert.Equal("k string, _agg0 decimal(15,2), _agg1 decimal(9,6), _agg2 decimal(5,2), _agg3 decimal(5,2)", DataTypes.ToDdl(result.Schema));
        var rows = Rows(result);
        Assert.Equal(6.65m, rows[0][1]);
        Assert.Equal(2.216667m, rows[0][2]);   // 6.65 / 3 = 2.2166666...
        Assert.Equal(-1.01m, rows[1][1]);
        Assert.Equal(-0.336667m, rows[1][2]);  // -1.01 / 3 = -0.3366666..., half-up away from zero
        Assert.Equal(1.10m, rows[0][3]);
        Assert.Equal(3.35m, rows[0][4]);
        Assert.Equal(-1.00m, rows[1][3]);
        Assert.Equal([null, null, null, null], rows[2][1..]);
    }

    [Fact]
    public void DecimalSum_OverflowingDecimal38_IsNull_ThroughPartialsToo()
    {
        var type = new Decimal128Type(38, 0);
        var nines = Int128.Parse("99999999999999999999999999999999999999", System.Globalization.CultureInfo.InvariantCulture);
        var values = new Int128[] { nines, 5, nines, -3 };
        var bytes = new byte[values.Length * 16];
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(bytes);
        var m = ArrayFactory.Primitive(type, bytes, null, values.Length);
        var k = Column("string", "big", "small", "big", "small");
        var input = new RecordBatch(new Schema([new Field("k", StringType.Default, true), new Field("m", type, true)], null), [k, m], 4);

        var whole = Aggregate(input, [0], ("sum", 1), ("avg", 1));
        var split = Aggregate([input.Slice(0, 2), input.Slice(2, 2)], [0], ("sum", 1), ("avg", 1));
        foreach (var result in new[] { whole, split })
        {
            var rows = Rows(result);
            Assert.Equal(["big", null, null], rows[0]);
            Assert.Equal(["small", 2m, 1m], rows[1]);
        }
    }

    [Fact]
    public void TimestampsDatesBooleansAndTinyints()
    {
        var t0 = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var t1 = t0.AddMinutes(90);
        var input = Batch("k string, ts timestamp, d date, b boolean, t tinyint",
            ["x", t1, new DateOnly(2024, 1, 2), true, (sbyte)5],
            ["x", t0, new DateOnly(2024, 1, 5), false, (sbyte)-3],
            ["x", null, null, null, null]);
        var result = Aggregate(input, [0],
            ("min", 1), ("max", 1), ("min", 2), ("max", 2), ("min", 3), ("max", 3), ("first", 3), ("last", 3), ("sum", 4), ("avg", 4), ("min", 4));
        var row = Rows(result).Single();
        Assert.Equal(["x", t0, t1, new DateOnly(2024, 1, 2), new DateOnly(2024, 1, 5), false, true, true, null, 2L, 1.0, (sbyte)-3], row);
        Assert.Equal("timestamp", DataTypes.ToDdl(result.Schema.FieldsList[1].DataType));
        Assert.Equal("tinyint", DataTypes.ToDdl(result.Schema.FieldsList[11].DataType));
    }

    [Fact]
    public void SumOfStrings_CastsToDouble_InvalidTextIsNull()
    {
        var input = Batch("k int, s string", [1, "1.5"], [1, "x"], [1, null], [1, "2"]);
        // count(s) counts the non-null strings, "x" included; sum and avg see "x" as null.
        Assert.Equal(["1 | 3.5 | 1.75 | 3"], Rows(Aggregate(input, [0], ("sum", 1), ("avg", 1), ("count", 1))).Select(Print));
    }

    [Fact]
    public void GlobalAggregation_OneGroupAcrossBatches()
    {
        var specs = new List<AggregateSpec> { new("count", null), new("sum", Int64Type.Default), new("max", Int64Type.Default) };
        var aggregator = new PartialAggregator(new Schema([], null), specs);
        var a = Batch("v bigint", [1L], [null], [5L]);
        var b = Batch("v bigint", [10L], [2L]);
        aggregator.Add([], [null, a.Column(0), a.Column(0)], a.Length);
        aggregator.Add([], [null, b.Column(0), b.Column(0)], b.Length);
        var partial = aggregator.Finish();
        Assert.Equal(1, partial.Length);
        Assert.Equal("_agg0_count bigint NOT NULL, _agg1_sum bigint, _agg2_max bigint", DataTypes.ToDdl(partial.Schema));
        Assert.Equal(0, aggregator.Finish().Length);

        var state = new Engine.State.AggregationState(new Schema([], null), specs);
        state.Merge(partial, []);
        state.Merge(partial, []);
        Assert.Equal(["10 | 36 | 10"], Rows(AllResults(state)).Select(Print));
    }

    [Fact]
    public void MergeSlot_SourceArrivedAfterTarget()
    {
        var specs = new List<AggregateSpec>
        {
            new("first", Int32Type.Default), new("last", Int32Type.Default), new("sum", Int32Type.Default), new("min", Int32Type.Default),
            new("first", StringType.Default), new("approx_count_distinct", Int32Type.Default), new("count", null),
        };
        var buffers = new AggregateBuffers(specs);
        buffers.EnsureCapacity(3);
        var ints = Column("int", 1, 2, null, 9);
        var strs = Column("string", "p", "q", null, "r");
        buffers.Update([0, 0, 1, 1], [ints, ints, ints, ints, strs, ints, null]);
        buffers.MergeSlot(0, 1);
        buffers.MergeSlot(2, 1);
        var values = Rows(new RecordBatch(new Schema(buffers.ResultFields, null), buffers.Evaluate([0, 1, 2, -1]), 4));
        Assert.Equal(
            ["1 | 9 | 12 | 1 | p | 3 | 4", "null | 9 | 9 | 9 | null | 1 | 2", "null | 9 | 9 | 9 | null | 1 | 2", "null | null | null | null | null | null | null"],
            values.Select(Print));
    }

    // min and max of a batch whose rows are all in one group (an aggregation without grouping keys, a window's run) find
    // the best value in vector lanes for integers, the last partial vector overlapping the one before: the values are those
    // of comparing row by row, wherever the extreme lies (first row, last row, the overlap) and whatever the batch's length.
    [Theory]
    [InlineData("bigint")]
    [InlineData("int")]
    [InlineData("smallint")]
    [InlineData("tinyint")]
    [InlineData("boolean")]
    public void MinMax_OfOneGroup_EqualTheRowByRowValues(string type)
    {
        var random = new Random(11);
        foreach (var length in new[] { 2, 15, 16, 17, 63, 64, 65, 127, 1_000, 4_099 })
            foreach (var extremeAt in new[] { 0, length - 1, length / 2, -1 })
            {
                var raw = Enumerable.Range(0, length).Select(_ => (long)random.Next(-100, 100)).ToArray();
                if (extremeAt >= 0)
                {
                    raw[extremeAt] = 120;
                    raw[(extremeAt + 1) % length] = -120;
                }
                object Typed(long v) => type switch
                {
                    "bigint" => v * 1_000_000_000_000L,
                    "int" => (int)v * 1_000_000,
                    "smallint" => (short)(v * 100),
                    "tinyint" => (sbyte)v,
                    _ => v > 0,
                };
                var values = raw.Select(Typed).ToArray();
                var buffers = new AggregateBuffers([new AggregateSpec("min", Column(type, values[0]).Data.DataType), new AggregateSpec("max", Column(type, values[0]).Data.DataType)]);
                buffers.EnsureCapacity(1);
                var column = Column(type, values);
                buffers.Update(new int[length], [column, column]);
                var result = Rows(new RecordBatch(new Schema(buffers.ResultFields, null), buffers.Evaluate([0]), 1)).Single();
                var ordered = values.OrderBy(v => v).ToArray();
                Assert.Equal([ordered[0], ordered[^1]], result);
            }
    }

    // count(*) over a batch of many rows per slot counts alternate rows in a second lane (a hot key's increments no longer
    // wait for each other): the counts are the row-by-row counts, whatever the batch's length (odd or even), the slots
    // skipped (-1) and the batches before and after, including ones too short for the lanes.
    [Fact]
    public void CountStar_OfBatchesWithAHotSlot_EqualsTheRowByRowCounts()
    {
        var random = new Random(5);
        var buffers = new AggregateBuffers([new AggregateSpec("count", null), new AggregateSpec("count", Int64Type.Default)]);
        buffers.EnsureCapacity(40);
        var expected = new long[40];
        foreach (var length in new[] { 1_001, 3, 2_000, 160, 159, 4_097 })
        {
            var slots = Enumerable.Range(0, length).Select(_ => random.Next(4) > 0 ? 7 : random.Next(-1, 40)).ToArray();
            buffers.Update(slots, [null, Column("bigint", [.. slots.Select(_ => (object?)1L)])]);
            foreach (var s in slots)
                if (s >= 0) expected[s]++;
        }
        var all = Enumerable.Range(0, 40).ToArray();
        var values = Rows(new RecordBatch(new Schema(buffers.ResultFields, null), buffers.Evaluate(all), all.Length));
        Assert.Equal(expected.Select(n => $"{n} | {n}"), values.Select(Print));
    }

    // count(*) and the merge of count partials over more slots than the cache holds (a million-key state partition) ask for
    // the counts of rows ahead before adding: the counts are the row-by-row sums, slots skipped (-1) included, and a partial
    // column with nulls (no prefetching) merges as before.
    [Fact]
    public void Count_OverMoreSlotsThanTheCacheHolds_EqualsTheRowByRowCounts()
    {
        const int slotCount = 200_000;
        var random = new Random(7);
        var buffers = new AggregateBuffers([new AggregateSpec("count", null)]);
        buffers.EnsureCapacity(slotCount);
        var expected = new long[slotCount];
        var slots = Enumerable.Range(0, 50_001).Select(_ => random.Next(-1, slotCount)).ToArray();
        buffers.Update(slots, [null]);
        var partials = slots.Select(_ => (object?)(long)random.Next(1, 9)).ToArray();
        partials[3] = null;
        var schema = new Schema(buffers.Fields, null);
        buffers.Merge(slots, new RecordBatch(schema, [Column("bigint", [.. partials.Select(p => p ?? 0L)])], slots.Length), 0);
        buffers.Merge(slots, new RecordBatch(schema, [Column("bigint", partials)], slots.Length), 0);
        for (var r = 0; r < slots.Length; r++)
            if (slots[r] >= 0) expected[slots[r]] += 1 + 2 * ((long?)partials[r] ?? 0);
        var all = Enumerable.Range(0, slotCount).ToArray();
        var counts = (Int64Array)buffers.Evaluate(all)[0];
        Assert.Equal(expected, counts.Values.ToArray());
    }

    [Fact]
    public void Update_InputOfTheWrongType_Throws()
    {
        var buffers = new AggregateBuffers([new AggregateSpec("min", Int32Type.Default)]);
        buffers.EnsureCapacity(1);
        Assert.Throws<ArgumentException>(() => buffers.Update([0], [Column("bigint", 1L)]));
        Assert.Throws<ArgumentException>(() => buffers.Update([0], [null]));
    }
}
