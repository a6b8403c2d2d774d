using Apache.Arrow;
using OrleansStream.Engine.Operators.Aggregation;
using static OrleansStream.Engine.Tests.Aggregation.AggregationTestData;
using static OrleansStream.Engine.Tests.State.StateTestData;

namespace OrleansStream.Engine.Tests.Aggregation;

/// <summary>Counts by one bigint key counted densely (DenseCountFold) in the source-side partial aggregation.</summary>
public class PartialDenseCountTests
{
    private const string Ddl = "k bigint, v int";
    private static readonly (string, int?)[] CountAll = [("count", null)];
    private static readonly (string, int?)[] CountBoth = [("count", null), ("count", 1)];

    // q12's bidders: three rows in four the hot one, the rest among a thousand recent ids.
    private static RecordBatch Bids(Random random, int rows, long hot, long recent) =>
        Batch(Ddl, Enumerable.Range(0, rows).Select(_ => new object?[]
        {
            random.Next(4) > 0 ? hot : recent + random.Next(1000), random.Next(1000),
        }).ToArray());

    private static PartialAggregator Aggregator((string, int?)[] aggregates, int judgedAfterRows = 0)
    {
        var (keySchema, specs) = PlanAggregates(Batch(Ddl), [0], aggregates);
        return new PartialAggregator(keySchema, specs, judgedAfterRows);
    }

    // Each key's counts (row count, then non-null v count per aggregate), keys in first-seen order.
    private static List<string> Expected(IEnumerable<RecordBatch> batches, (string, int?)[] aggregates)
    {
        var counts = new Dictionary<string, long[]>();
        var order = new List<string>();
        foreach (var row in batches.SelectMany(Rows))
        {
            var key = PrintValue(row[0]);
            if (!counts.TryGetValue(key, out var c))
            {
                counts[key] = c = new long[aggregates.Length];
                order.Add(key);
            }
            for (var a = 0; a < aggregates.Length; a++)
                if (aggregates[a].Item2 is not { } column || row[column] is not null) c[a]++;
        }
        return order.Select(k => k + " | " + string.Join(" | ", counts[k])).ToList();
    }

    private static List<string> Printed(RecordBatch partial) => Rows(partial).Select(Print).ToList();

    private static void AddAll(PartialAggregator aggregator, IEnumerable<RecordBatch> batches, (string, int?)[] aggregates)
    {
        foreach (var b in batches) aggregator.Add([b.Column(0)], Inputs(b, aggregates), b.Length);
    }

    [Fact]
    public void Finish_WhenHotAndRecentKeys_CountsEveryRowDenselyInFirstSeenOrder()
    {
        var random = new Random(1);
        var batches = Enumerable.Range(0, 4).Select(i => Bids(random, 3000 + i, 1_000_201, 1_000_000 + 50 * i)).ToList();
        var aggregator = Aggregator(CountAll);
        AddAll(aggregator, batches, CountAll);
        Assert.Equal(batches.Sum(b => b.Length), aggregator.RowsCountedDensely);
        Assert.Equal(Expected(batches, CountAll).Count, aggregator.Count);
        Assert.Equal(Expected(batches, CountAll), Printed(aggregator.Finish()));
        Assert.Equal(0, aggregator.Count);
    }

    [Fact]
    public void Finish_WhenAKeyLiesOutsideTheRange_MovesTheCountedKeysToTheKeyTable()
    {
        var random = new Random(2);
        var far = Batch(Ddl, [1_000_500L, 1], [-7L, 2], [1_000_201L, 3], [long.MaxValue, 4], [1_000_500L, 5]);
        var batches = new List<RecordBatch> { Bids(random, 2000, 1_000_201, 1_000_000), far, Bids(random, 2000, 1_000_201, 1_000_100) };
        var aggregator = Aggregator(CountAll);
        AddAll(aggregator, batches, CountAll);
        Assert.Equal(2001, aggregator.RowsCountedDensely);   // the first batch and the far batch's first row
        Assert.Equal(Expected(batches, CountAll), Printed(aggregator.Finish()));
    }

    [Fact]
    public void Finish_WhenCountedColumnHasNulls_CountsItsNonNullValues()
    {
        var random = new Random(3);
        var nulls = Batch(Ddl, [1_000_201L, null], [1_000_201L, 1], [1_000_003L, null]);
        var batches = new List<RecordBatch> { Bids(random, 1000, 1_000_201, 1_000_000), nulls, Bids(random, 1000, 1_000_201, 1_000_000) };
        var aggregator = Aggregator(CountBoth);
        AddAll(aggregator, batches, CountBoth);
        Assert.Equal(1000, aggregator.RowsCountedDensely);
        Assert.Equal(Expected(batches, CountBoth), Printed(aggregator.Finish()));
    }

    [Fact]
    public void Finish_WhenKeysAreNull_CountsThemUnderTheNullKey()
    {
        var batches = new List<RecordBatch> { Batch(Ddl, [5L, 1], [null, 1], [5L, 2], [null, 3]), Batch(Ddl, [6L, 1], [5L, 2]) };
        var aggregator = Aggregator(CountAll);
        AddAll(aggregator, batches, CountAll);
        Assert.Equal(0, aggregator.RowsCountedDensely);
        Assert.Equal(Expected(batches, CountAll).Order(), Printed(aggregator.Finish()).Order());
    }

    [Fact]
    public void Finish_WhenTheNextEpochsKeysAreFarAway_LaysOutARangeAroundThem()
    {
        var random = new Random(4);
        var aggregator = Aggregator(CountAll);
        var first = new[] { Bids(random, 2000, 500, 0) };
        var second = new[] { Bids(random, 2000, 1L << 40, (1L << 40) - 700) };
        AddAll(aggregator, first, CountAll);
        Assert.Equal(Expected(first, CountAll), Printed(aggregator.Finish()));
        AddAll(aggregator, second, CountAll);
        Assert.Equal(Expected(second, CountAll), Printed(aggregator.Finish()));
        Assert.Equal(4000, aggregator.RowsCountedDensely);
    }

    [Fact]
    public void Merge_AfterRowsCountedDensely_AddsThePartialsToTheirCounts()
    {
        var random = new Random(5);
        var rows = new[] { Bids(random, 1500, 1_000_201, 1_000_000) };
        var more = new[] { Bids(random, 1500, 1_000_201, 1_000_300) };
        var other = Aggregator(CountAll);
        AddAll(other, more, CountAll);
        var partial = other.Finish();
        var aggregator = Aggregator(CountAll);
        AddAll(aggregator, rows, CountAll);
        aggregator.Merge([partial.Column(0)], partial);
        Assert.Equal(Expected([.. rows, .. more], CountAll), Printed(aggregator.Finish()));
    }

    [Fact]
    public void Finish_WhenEveryKeyIsNew_PassesTheRestOfTheEpochUnfolded()
    {
        // Distinct keys in the range: judged unreduced after 100 rows, the rest passes as a row each; counts stay right.
        var batches = Enumerable.Range(0, 3).Select(b => Batch(Ddl, Enumerable.Range(0, 200).Select(i => new object?[] { (long)(b * 200 + i), i }).ToArray())).ToList();
        var aggregator = Aggregator(CountAll, judgedAfterRows: 100);
        Assert.True(aggregator.PassUnreducedRows);
        AddAll(aggregator, batches, CountAll);
        var partial = aggregator.Finish();
        Assert.True(partial.Length == 600);
        Assert.True(aggregator.RowsCountedDensely is > 0 and < 600);
        Assert.Equal(Expected(batches, CountAll), Printed(partial));
    }

    [Fact]
    public void Finish_WhenPassedRowsAreCounted_GivesEachRowACountOfOne()
    {
        // A million keys (count-1m): judged unreduced after 100 rows; each passed row's counts are 1, or 0 for a null v.
        var random = new Random(6);
        var batches = Enumerable.Range(0, 3).Select(b => Batch(Ddl, Enumerable.Range(0, 300).Select(i => new object?[]
        {
            (long)random.Next(1_000_000_000), b == 2 && i % 3 == 0 ? null : i,
        }).ToArray())).ToList();
        var aggregator = Aggregator(CountBoth, judgedAfterRows: 100);
        AddAll(aggregator, batches, CountBoth);
        var partial = aggregator.Finish();
        Assert.Equal(900, partial.Length);
        Assert.Equal(500, aggregator.RowsPassedAsOnes);   // the rest of the first batch and the second; the third has nulls
        Assert.Equal(Expected(batches, CountBoth), Printed(partial));
    }
}
