using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.Stateful;

/// <summary>Spark's StreamingDeduplicationWithinWatermarkSuite, its expected rows and state-row counts ported.</summary>
[Collection(SessionCollection.Name)]
public sealed class SparkDeduplicationWithinWatermarkSuiteTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    [Fact]
    public async Task DeduplicateInBatchDataFrame_IsRefused()
    {
        var df = Session.CreateDataFrame([[1L], [2L], [3L]], "value BIGINT");
        foreach (var dedup in new[] { df.DropDuplicatesWithinWatermark(), df.WithColumn("newcol", Col("value")).DropDuplicatesWithinWatermark("newcol") })
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(() => dedup.CollectAsync());
            Assert.Contains("dropDuplicatesWithinWatermark is not supported", error.Message);
            Assert.Contains("batch DataFrames/DataSets", error.Message);
        }
    }

    [Fact]
    public async Task DeduplicateWithoutEventTimeColumn_IsRefused()
    {
        var input = Session.CreateMemoryStream<string>();
        foreach (var dedup in new[] { input.ToDF().DropDuplicatesWithinWatermark(), input.ToDF().WithColumn("newcol", Col("value")).DropDuplicatesWithinWatermark("newcol") })
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(() => dedup.WriteStream.Format("noop").StartAsync());
            Assert.Contains("dropDuplicatesWithinWatermark is not supported", error.Message);
            Assert.Contains("streaming DataFrames/DataSets without watermark", error.Message);
        }
    }

    [Fact]
    public async Task DeduplicateWithAllColumnsWithEventTimeColumn()
    {
        var name = "spark_dedup_ww_all_" + Guid.NewGuid().ToString("N")[..8];
        var input = Session.CreateMemoryStream<int>();
        var query = await input.ToDF()
            .WithColumn("eventTime", Col("value").Cast("timestamp"))
            .WithWatermark("eventTime", "10 seconds")
            .DropDuplicatesWithinWatermark()
            .Select(Col("eventTime").Cast("long"))
            .WriteStream.Format("memory").QueryName(name).StartAsync();
        var run = new StateRowsProbe(Session, query, name);
        string[] Range(int from, int to) => Enumerable.Range(from, to - from + 1).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

        await run.Step(() => input.AddDataAsync(Enumerable.Range(1, 5).SelectMany(_ => Enumerable.Range(10, 6)).ToArray()), Range(10, 15), total: 6, updated: 6);
        await run.Step(() => input.AddDataAsync(Enumerable.Range(13, 5).ToArray()), ["16", "17"], total: 8, updated: 2);
        await run.Step(() => input.AddDataAsync(5), [], total: 8, updated: 0, dropped: 1);
        await run.Step(() => input.AddDataAsync(35), ["35"], total: 3, updated: 1);
        await run.Step(() => input.AddDataAsync(55), ["55"], total: 1, updated: 1);
        await query.StopAsync();
    }

    [Fact]
    public async Task DeduplicateWithSubsetOfColumns_EventTimeNotInSubset()
    {
        var name = "spark_dedup_ww_subset_" + Guid.NewGuid().ToString("N")[..8];
        var input = Session.CreateMemoryStream<(string, int)>();
        var query = await input.ToDF()
            .WithColumn("eventTime", Col("_2").Cast("timestamp"))
            .WithWatermark("eventTime", "2 seconds")
            .DropDuplicatesWithinWatermark("_1")
            .Select(Col("_1"), Col("eventTime").Cast("long"))
            .WriteStream.Format("memory").QueryName(name).StartAsync();
        var run = new StateRowsProbe(Session, query, name);

        await run.Step(() => input.AddDataAsync(("a", 17)), ["a:17"], total: 1, updated: 1);
        await run.Step(() => input.AddDataAsync(("a", 16)), [], total: 1, updated: 0);
        await run.Step(() => input.AddDataAsync(("a", 13)), [], total: 1, updated: 0, dropped: 1);
        await run.Step(() => input.AddDataAsync(("b", 22), ("c", 21)), ["b:22", "c:21"], total: 2, updated: 2);
        // "a" is new again: the no-data epoch after the previous step dropped ("a", expires 19).
        await run.Step(() => input.AddDataAsync(("a", 21)), ["a:21"], total: 3, updated: 1);
        await run.Step(() => input.AddDataAsync(("d", 25)), ["d:25"], total: 2, updated: 1);
        await query.StopAsync();
    }

    // SPARK-50492: the event-time column may be dropped after the deduplication.
    [Fact]
    public async Task DropEventTimeColumnAfterDeduplication()
    {
        var input = Session.CreateMemoryStream<(int, int)>();
        var result = input.ToDF()
            .WithColumn("first", Col("_1").Cast("timestamp"))
            .WithWatermark("first", "10 seconds")
            .DropDuplicatesWithinWatermark("_2")
            .Select("_2");
        await Session.TestStream(result, OutputMode.Append).Run(
            OrleansStream.Testing.StreamSteps.AddData(input, (1, 2)),
            OrleansStream.Testing.StreamSteps.CheckAnswer("2"));
    }
}
