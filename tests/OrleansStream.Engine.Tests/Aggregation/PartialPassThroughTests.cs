using Apache.Arrow;
using OrleansStream.Engine.Operators.Aggregation;
using OrleansStream.Engine.State;
using static OrleansStream.Engine.Tests.Aggregation.AggregationTestData;
using static OrleansStream.Engine.Tests.State.StateTestData;

namespace OrleansStream.Engine.Tests.Aggregation;

/// <summary>The source-side partial aggregation that passes rows on unfolded while folding does not reduce them.</summary>
public class PartialPassThroughTests
{
    private const string Ddl = "k bigint, v int, s string";
    private const int BatchRows = 500;
    private const int JudgedAfter = 100;

    private static readonly (string, int?)[] Aggregates =
    [
        ("count", null), ("count", 1), ("sum", 1), ("avg", 1), ("min", 1), ("max", 1), ("first", 1), ("last", 1),
        ("min", 2), ("first", 2), ("last", 2),
    ];

    // Keys drawn from `keys` values (some null), three batches an epoch.
    private static RecordBatch[] Epoch(Random random, int keys) =>
        Enumerable.Range(0, 3).Select(_ => Batch(Ddl, Enumerable.Range(0, BatchRows).Select(_ => new object?[]
        {
            random.Next(50) == 0 ? null : (long)random.Next(keys),
            random.Next(6) == 0 ? null : random.Next(-1000, 1000),
            random.Next(5) == 0 ? null : "s" + random.Next(1000),
        }).ToArray())).ToArray();

    // Each epoch through both aggregators into a state each, as a state partition merges a producer's partials.
    // PassingKeys: the keys the passing aggregator folded in each epoch (rows passed unfolded not counted).
    private static (List<int> PassingRows, List<int> FoldedRows, AggregationState Passing, AggregationState Folding, List<int> PassingKeys) Run(int epochs, int keys)
    {
        var random = new Random(5);
        var (keySchema, specs) = PlanAggregates(Batch(Ddl), [0], Aggregates);
        var passing = new PartialAggregator(keySchema, specs, judgedAfterRows: JudgedAfter);
        var folding = new PartialAggregator(keySchema, specs);
        Assert.True(passing.PassUnreducedRows);
        Assert.False(folding.PassUnreducedRows);
        var states = (new AggregationState(keySchema, specs), new AggregationState(keySchema, specs));
        var (passingRows, foldedRows, passingKeys) = (new List<int>(), new List<int>(), new List<int>());
        for (var e = 0; e < epochs; e++)
        {
            foreach (var batch in Epoch(random, keys))
            {
                passing.Add([batch.Column(0)], Inputs(batch, Aggregates), batch.Length);
                folding.Add([batch.Column(0)], Inputs(batch, Aggregates), batch.Length);
            }
            passingKeys.Add(passing.Count);
            var (p, f) = (passing.Finish(), folding.Finish());
            passingRows.Add(p.Length);
            foldedRows.Add(f.Length);
            states.Item1.Merge(p, []);
            states.Item2.Merge(f, []);
        }
        return (passingRows, foldedRows, states.Item1, states.Item2, passingKeys);
    }

    private static List<string> Results(AggregationState state) => Rows(AllResults(state)).Select(Print).Order(StringComparer.Ordinal).ToList();

    // Keys seen about once an epoch (3,000 keys, 1,500 rows, a key in two batches now and then): the epoch's first
    // JudgedAfter rows (of its first batch) are folded and judged, the rest of the epoch and the next eight epochs pass
    // every row, the tenth folds its first JudgedAfter rows again; the state's results, first and last included, are those
    // of folding every epoch.
    [Fact]
    public void UnreducedRows_PassUnfoldedForEightEpochs_ThenFoldAgain_WithTheSameResults()
    {
        var (passingRows, foldedRows, passing, folding, passingKeys) = Run(epochs: 11, keys: 3000);

        Assert.Equal(foldedRows.Count, passingRows.Count);
        Assert.InRange(passingRows[0], foldedRows[0] + 1, 3 * BatchRows);   // JudgedAfter rows folded, the rest passed
        Assert.InRange(passingKeys[0], JudgedAfter * 9 / 10, JudgedAfter);
        Assert.All(passingRows.Skip(1).Take(PartialAggregator.PassingEpochs), n => Assert.Equal(3 * BatchRows, n));
        Assert.All(passingKeys.Skip(1).Take(PartialAggregator.PassingEpochs), n => Assert.Equal(0, n));
        Assert.True(passingKeys[9] is > 0 and <= JudgedAfter && passingKeys[10] == 0, string.Join(", ", passingKeys));
        Assert.Equal(3 * BatchRows, passingRows[10]);
        Assert.True(foldedRows.All(n => n < 3 * BatchRows));
        Assert.Equal(Results(folding), Results(passing));
        Assert.True(folding.Count > 2000);
    }

    // Twenty keys: every epoch folds to at most 21 rows (null is a key too), never a row per row.
    [Fact]
    public void ReducedRows_AreAlwaysFolded()
    {
        var (passingRows, foldedRows, passing, folding, _) = Run(epochs: 3, keys: 20);
        Assert.Equal(foldedRows, passingRows);
        Assert.All(passingRows, n => Assert.InRange(n, 1, 21));
        Assert.Equal(Results(folding), Results(passing));
    }

    // approx_count_distinct's per-row partial is a whole sketch, and a window's rows always fold: neither passes.
    [Fact]
    public void ApproxCountDistinct_NeverPasses()
    {
        var (keySchema, specs) = PlanAggregates(Batch(Ddl), [0], [("approx_count_distinct", 1)]);
        Assert.False(new PartialAggregator(keySchema, specs, judgedAfterRows: JudgedAfter).PassUnreducedRows);
        Assert.False(new PartialAggregator(keySchema, specs, passUnreducedRows: true).PassUnreducedRows);
        var (countSchema, countSpecs) = PlanAggregates(Batch(Ddl), [0], [("count", null)]);
        Assert.True(new PartialAggregator(countSchema, countSpecs, passUnreducedRows: true).PassUnreducedRows);
    }

    // A key column of another type than the key field (here the null type) goes through the key table: the rows passed
    // before it are folded first, so the key's rows stay in order.
    [Fact]
    public void KeyColumnOfAnotherType_FoldsThePassedRowsFirst_KeepingOrder()
    {
        var (keySchema, specs) = PlanAggregates(Batch(Ddl), [0], [("first", 1), ("last", 1), ("count", null)]);
        var aggregator = new PartialAggregator(keySchema, specs, judgedAfterRows: 2);
        var first = Batch(Ddl, [null, 1, "a"], [1L, 2, "b"], [2L, 3, "c"]);
        aggregator.Add([first.Column(0)], Inputs(first, [("first", 1), ("last", 1), ("count", null)]), 3);
        var second = Batch(Ddl, [null, 4, "d"], [3L, 5, "e"]);
        aggregator.Add([second.Column(0)], Inputs(second, [("first", 1), ("last", 1), ("count", null)]), 2);
        var nulls = new NullArray(1);
        var third = Batch("v int", [6]);
        aggregator.Add([nulls], [third.Column(0), third.Column(0), null], 1);
        var partial = aggregator.Finish();
        var state = new AggregationState(keySchema, specs);
        state.Merge(partial, []);
        Assert.Equal(["1 | 2 | 2 | 1", "2 | 3 | 3 | 1", "3 | 5 | 5 | 1", "null | 1 | 6 | 3"], Results(state));
    }
}
