using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;
using static OrleansStream.Testing.StreamSteps;

namespace OrleansStream.Client.Tests.Stateful;

/// <summary>Spark's StreamingDeduplicationSuite, its expected rows and state-row counts ported.</summary>
[Collection(SessionCollection.Name)]
public sealed class SparkDeduplicationSuiteTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    private static string Table(string test) => "spark_dedup_" + test + "_" + Guid.NewGuid().ToString("N")[..8];

    private static int[] Repeat(int times, int from, int to) =>
        Enumerable.Range(1, times).SelectMany(_ => Enumerable.Range(from, to - from + 1)).ToArray();

    private static string[] Texts(int from, int to) =>
        Enumerable.Range(from, to - from + 1).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    private async Task<(StreamingQuery, StateRowsProbe)> Start(DataFrame result, string table, OutputMode mode = OutputMode.Append)
    {
        var query = await result.WriteStream.OutputMode(mode).Format("memory").QueryName(table).StartAsync();
        return (query, new StateRowsProbe(Session, query, table));
    }

    [Fact]
    public async Task DeduplicateWithAllColumns()
    {
        var input = Session.CreateMemoryStream<string>();
        var (query, run) = await Start(input.ToDF().DropDuplicates(), Table("all"));
        await run.Step(() => input.AddDataAsync("a"), ["a"], total: 1, updated: 1);
        await run.Step(() => input.AddDataAsync("a"), [], total: 1, updated: 0);
        await run.Step(() => input.AddDataAsync("b"), ["b"], total: 2, updated: 1);
        await query.StopAsync();
    }

    [Fact]
    public async Task DeduplicateWithSomeColumns()
    {
        var input = Session.CreateMemoryStream<(string, int)>();
        var (query, run) = await Start(input.ToDF().DropDuplicates("_1"), Table("some"));
        await run.Step(() => input.AddDataAsync(("a", 1)), ["a:1"], total: 1, updated: 1);
        await run.Step(() => input.AddDataAsync(("a", 2)), [], total: 1, updated: 0);
        await run.Step(() => input.AddDataAsync(("b", 1)), ["b:1"], total: 2, updated: 1);
        await query.StopAsync();
    }

    [Fact]
    public async Task MultipleDeduplicates()
    {
        var input = Session.CreateMemoryStream<(string, int)>();
        var (query, run) = await Start(input.ToDF().DropDuplicates().DropDuplicates("_1"), Table("multiple"));
        await run.Step(() => input.AddDataAsync(("a", 1)), ["a:1"], total: [1, 1], updated: [1, 1]);
        await run.Step(() => input.AddDataAsync(("a", 2)), [], total: [1, 2], updated: [0, 1]);
        await run.Step(() => input.AddDataAsync(("b", 1)), ["b:1"], total: [2, 3], updated: [1, 1]);
        await query.StopAsync();
    }

    private static DataFrame WithWatermark(DataFrame values) => values
        .WithColumn("eventTime", Col("value").Cast("timestamp"))
        .WithWatermark("eventTime", "10 seconds")
        .DropDuplicates();

    [Fact]
    public async Task DeduplicateWithWatermark()
    {
        var input = Session.CreateMemoryStream<int>();
        var (query, run) = await Start(WithWatermark(input.ToDF()).Select(Col("eventTime").Cast("long")), Table("watermark"));
        await run.Step(() => input.AddDataAsync(Repeat(5, 10, 15)), Texts(10, 15), total: 6, updated: 6);
        // The watermark moves to 15 s: the no-data epoch drops the rows at or below it.
        await run.Step(() => input.AddDataAsync(25), ["25"], total: 1, updated: 1);
        await run.Step(() => input.AddDataAsync(10), [], total: 1, updated: 0, dropped: 1);
        await run.Step(() => input.AddDataAsync(45), ["45"], total: 1, updated: 1);
        await query.StopAsync();
    }

    [Fact]
    public async Task DeduplicateWithAggregate_AppendMode()
    {
        var input = Session.CreateMemoryStream<int>();
        var windowed = WithWatermark(input.ToDF())
            .GroupBy(Window(Col("eventTime"), "5 seconds").As("window"))
            .Agg(Count().As("count"))
            .SelectExpr("CAST(window.start AS LONG)", "count");
        var (query, run) = await Start(windowed, Table("agg_append"));
        // Spark's order: the aggregation's state, then the deduplication's.
        await run.Step(() => input.AddDataAsync(Repeat(5, 10, 15)), [], total: [2, 6], updated: [2, 6]);
        await run.Step(() => input.AddDataAsync(25), ["10:5"], total: [2, 1], updated: [1, 1]);
        await run.Step(() => input.AddDataAsync(10), [], total: [2, 1], updated: [0, 0], dropped: [0, 1]);
        await run.Step(() => input.AddDataAsync(40), ["15:1", "25:1"], total: [1, 1], updated: [1, 1]);
        await query.StopAsync();
    }

    [Theory]
    [InlineData(OutputMode.Update)]
    [InlineData(OutputMode.Complete)]
    public async Task DeduplicateWithAggregate(OutputMode mode)
    {
        var input = Session.CreateMemoryStream<(string, int)>();
        var result = input.ToDF().Select(Col("_1").As("str"), Col("_2").As("num")).DropDuplicates().GroupBy("str").Agg(Sum("num"));
        var (query, run) = await Start(result, Table("agg_" + mode.ToString().ToLowerInvariant()), mode);
        var complete = mode == OutputMode.Complete;
        await run.Step(() => input.AddDataAsync(("a", 1)), ["a:1"], total: [1, 1], updated: [1, 1], lastBatch: complete);
        await run.Step(() => input.AddDataAsync(("a", 1)), complete ? ["a:1"] : [], total: [1, 1], updated: [0, 0], lastBatch: complete);
        await run.Step(() => input.AddDataAsync(("a", 2)), ["a:3"], total: [1, 2], updated: [1, 1], lastBatch: complete);
        await run.Step(() => input.AddDataAsync(("b", 1)), complete ? ["a:3", "b:1"] : ["b:1"], total: [2, 3], updated: [1, 1], lastBatch: complete);
        await query.StopAsync();
    }

    // SPARK-19841: the watermark predicate filters on the key columns wherever they are in the row.
    [Fact]
    public async Task WatermarkPredicateFiltersOnKeys()
    {
        var input = Session.CreateMemoryStream<(int, int)>();
        var df = input.ToDF().ToDF("time", "id")
            .WithColumn("time", Col("time").Cast("timestamp"))
            .WithWatermark("time", "1 second")
            .DropDuplicates("id", "time")
            .Select("id");
        await Session.TestStream(df, OutputMode.Append).Run(
            AddData(input, (1, 1), (1, 1), (1, 2)),
            CheckAnswer("1", "2"),
            AddData(input, (1, 1), (2, 3), (2, 4)),
            CheckNewAnswer("3", "4"),
            AddData(input, (1, 0), (1, 1), (3, 5), (3, 6)),
            CheckNewAnswer("5", "6"),
            AddData(input, (1, 0), (4, 7)),
            CheckNewAnswer("7"));
    }

    // SPARK-21546: dropDuplicates ignores the watermark when the event time is not a key.
    [Fact]
    public async Task DropDuplicatesIgnoresWatermarkWhenItIsNotAKey()
    {
        var input = Session.CreateMemoryStream<(int, int)>();
        var df = input.ToDF().ToDF("id", "time")
            .WithColumn("time", Col("time").Cast("timestamp"))
            .WithWatermark("time", "1 second")
            .DropDuplicates("id")
            .Select(Col("id"), Col("time").Cast("long"));
        await Session.TestStream(df, OutputMode.Append).Run(
            AddData(input, (1, 1), (1, 2), (2, 2)),
            CheckAnswer("1:1", "2:2"));
    }

    // SPARK-29438: a union of a stateless input and a deduplicated one, across a restart.
    [Fact]
    public async Task UnionWithDeduplication_AcrossARestart()
    {
        var input1 = Session.CreateMemoryStream<int>();
        var input2 = Session.CreateMemoryStream<int>();
        var union = input1.ToDF().Select("value").Union(input2.ToDF().DropDuplicates("value"));
        await Session.TestStream(union, OutputMode.Append).Run(
            AddData(input1, [11, 12], input2, [21, 22]),
            CheckNewAnswer("11", "12", "21", "22"),
            StopStream,
            StartStream(),
            AddData(input1, [13, 14], input2, [22, 23]),
            CheckNewAnswer("13", "14", "23"));
    }
}
