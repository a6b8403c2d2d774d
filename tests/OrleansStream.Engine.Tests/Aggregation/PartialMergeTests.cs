using Apache.Arrow;
using OrleansStream.Engine.Operators.Aggregation;
using OrleansStream.Engine.State;
using static OrleansStream.Engine.Tests.Aggregation.AggregationTestData;
using static OrleansStream.Engine.Tests.State.StateTestData;

namespace OrleansStream.Engine.Tests.Aggregation;

public class PartialMergeTests
{
    private static readonly (string, int?)[] AllAggregates =
    [
        ("count", null), ("count", 2), ("sum", 2), ("avg", 2), ("min", 2), ("max", 2), ("first", 2), ("last", 2), ("approx_count_distinct", 2),
        ("sum", 3), ("avg", 3), ("min", 3), ("max", 3), ("sum", 4), ("avg", 4), ("max", 4),
        ("min", 5), ("max", 5), ("first", 5), ("last", 5), ("approx_count_distinct", 5), ("first", 6), ("last", 6),
    ];

    private static RecordBatch RandomInput(int rows, int seed)
    {
        var random = new Random(seed);
        string[] names = ["a", "b", "日本", "é", "zz", "q"];
        var data = new object?[rows][];
        for (var i = 0; i < rows; i++)
        {
            data[i] =
            [
                random.Next(8) == 0 ? null : names[random.Next(names.Length)],
                random.Next(5) == 0 ? null : random.Next(4),
                random.Next(6) == 0 ? null : random.Next(-1000, 1000),
                random.Next(6) == 0 ? null : random.Next(-400, 400) * 0.25,   // quarters add exactly in any order
                random.Next(6) == 0 ? null : random.Next(-100_000, 100_000) / 100m,
                random.Next(4) == 0 ? null : "s" + random.Next(300),
                random.Next(3) == 0 ? null : random.Next(2) == 0,
            ];
        }
        return Batch("k string, g int, v int, w double, m decimal(9,2), s string, b boolean", data);
    }

    [Fact]
    public void SplitIntoPartials_ThenMerged_EqualsAggregatingAllAtOnce()
    {
        var input = RandomInput(3000, 7);
        var whole = Aggregate(input, [0, 1], AllAggregates);
        var halves = Aggregate([input.Slice(0, 1234), input.Slice(1234, 3000 - 1234)], [0, 1], AllAggregates);
        var thirds = Aggregate(ArrowValuesSplit(input, 3), [0, 1], AllAggregates);
        Assert.True(whole.Length > 30);
        Assert.Equal(Rows(whole).Select(Print), Rows(halves).Select(Print));
        Assert.Equal(Rows(whole).Select(Print), Rows(thirds).Select(Print));
    }

    // A batch whose rows are all in one group (no grouping keys) keeps min and max in a register and offers them once: the
    // same values, bit for bit, as offering row by row, NaN (the largest), both zeros (a tie keeps the value held) and the
    // infinities included.
    [Fact]
    public void MinAndMaxOfOneGroup_FoldedAtOnce_EqualRowByRow()
    {
        var random = new Random(13);
        double[] specials = [double.NaN, -0.0, 0.0, double.PositiveInfinity, double.NegativeInfinity];
        var rows = Enumerable.Range(0, 500).Select(i => new object?[]
        {
            random.Next(10) == 0 ? specials[random.Next(specials.Length)] : random.Next(-400, 400) * 0.25,
            (long)random.Next(-1000, 1000),
        }).ToArray();
        (string, int?)[] aggregates = [("min", 0), ("max", 0), ("min", 1), ("max", 1)];
        foreach (var input in new[] { Batch("w double, l bigint", rows), Batch("w double, l bigint", rows.Where(r => r[0] is not double.NaN).ToArray()),
                     Batch("w double, l bigint", [[-0.0, 1L], [0.0, 1L]]), Batch("w double, l bigint", [[0.0, 1L], [-0.0, 1L]]) })
        {
            var (keySchema, specs) = PlanAggregates(input, [], aggregates);
            var atOnce = new PartialAggregator(keySchema, specs);
            atOnce.Add([], Inputs(input, aggregates), input.Length);
            var rowByRow = new PartialAggregator(keySchema, specs);
            for (var r = 0; r < input.Length; r++)
            {
                var row = input.Slice(r, 1);
                rowByRow.Add([], Inputs(row, aggregates), 1);
            }
            static string Bits(RecordBatch b) => string.Join(",", Enumerable.Range(0, b.ColumnCount).Select(c => b.Column(c) switch
            {
                DoubleArray d => BitConverter.DoubleToInt64Bits(d.GetValue(0)!.Value).ToString("x"),
                Int64Array l => l.GetValue(0)!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
                var other => other.Data.DataType.Name,
            }));
            Assert.Equal(Bits(rowByRow.Finish()), Bits(atOnce.Finish()));
        }
    }

    [Fact]
    public void ManyAddsIntoOnePartial_EqualsOneAdd()
    {
        var input = RandomInput(1000, 11);
        var (keySchema, specs) = PlanAggregates(input, [0, 1], AllAggregates);
        var once = Partial(input, [0, 1], AllAggregates);
        var aggregator = new PartialAggregator(keySchema, specs);
        foreach (var part in ArrowValuesSplit(input, 7))
            aggregator.Add([part.Column(0), part.Column(1)], Inputs(part, AllAggregates), part.Length);
        Assert.Equal(Rows(once).Select(Print), Rows(aggregator.Finish()).Select(Print));
        Assert.Equal(keySchema.FieldsList.Count + 33, once.ColumnCount);
    }

    [Fact]
    public void FirstAndLast_FollowTheOrderPartialsAreMerged()
    {
        var part1 = Batch("k string, v int", ["k", 1], ["k", 2], ["only1", null]);
        var part2 = Batch("k string, v int", ["k", 3], ["k", 4], ["only2", 8]);
        (string, int?)[] aggregates = [("first", 1), ("last", 1)];
        Assert.Equal(["k | 1 | 4", "only1 | null | null", "only2 | 8 | 8"], Rows(Aggregate([part1, part2], [0], aggregates)).Select(Print));
        Assert.Equal(["k | 3 | 2", "only2 | 8 | 8", "only1 | null | null"], Rows(Aggregate([part2, part1], [0], aggregates)).Select(Print));
    }

    [Fact]
    public void Merge_PartialsWithRepeatedKeys_TouchesEachSlotOnceInFirstTouchedOrder()
    {
        var (keySchema, specs) = PlanAggregates(Batch("k string, v int"), [0], [("sum", 1)]);
        var state = new AggregationState(keySchema, specs);
        var a = Partial(Batch("k string, v int", ["b", 1], ["a", 2]), [0], [("sum", 1)]);
        var b = Partial(Batch("k string, v int", ["c", 3], ["b", 4]), [0], [("sum", 1)]);
        var touched = new List<int>();
        state.Merge(ArrowValuesConcat(a, b), touched);
        Assert.Equal([0, 1, 2], touched);
        Assert.Equal(["b | 5", "a | 2", "c | 3"], Rows(state.Results([0, 1, 2])).Select(Print));
        touched.Clear();
        state.Merge(b, touched);
        Assert.Equal([2, 0], touched);
        Assert.Throws<ArgumentException>(() => state.Merge(Batch("k string"), touched));
    }

    private static IReadOnlyList<RecordBatch> ArrowValuesSplit(RecordBatch batch, int parts) => OrleansStream.Plan.Data.ArrowValues.Split(batch, parts);

    private static RecordBatch ArrowValuesConcat(RecordBatch a, RecordBatch b) => OrleansStream.Plan.Data.ArrowValues.Concat(a.Schema, [a, b]);
}
