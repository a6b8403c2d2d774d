using OrleansStream.Client.Tests.Infrastructure;
using OrleansStream.Plan;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.Stateful;

/// <summary>Queries Spark refuses are refused at StartAsync with the reason, before anything is written.</summary>
[Collection(SessionCollection.Name)]
public sealed class StatefulValidationTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    private DataFrame Events()
    {
        var input = Session.CreateMemoryStream<(string, long)>();
        return input.ToDF().WithColumn("eventTime", Col("_2").Cast("timestamp"));
    }

    private async Task<string> Refused(DataFrame frame, OutputMode mode)
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => frame.WriteStream.OutputMode(mode).Format("memory").QueryName("refused_" + Guid.NewGuid().ToString("N")).StartAsync());
        Assert.Empty(Session.Streams.Active);
        return ex.Message;
    }

    [Fact]
    public async Task AppendAggregationWithoutWatermark_IsRefused() =>
        Assert.Contains("Append output mode not supported when there are streaming aggregations on streaming DataFrames/DataSets without watermark",
            await Refused(Events().GroupBy("_1").Count(), OutputMode.Append));

    [Fact]
    public async Task UpdateWithSessionWindow_IsRefused() =>
        Assert.Contains("Update output mode not supported for session window",
            await Refused(Events().WithWatermark("eventTime", "1 second").GroupBy(SessionWindow(Col("eventTime"), "5 seconds")).Count(), OutputMode.Update));

    // Spark's UnsupportedOperationChecker refuses a session window with no other grouping key.
    [Fact]
    public async Task GlobalSessionWindow_IsRefused() =>
        Assert.Contains("Global aggregation with session window in streaming query is not supported",
            await Refused(Events().WithWatermark("eventTime", "1 second").GroupBy(SessionWindow(Col("eventTime"), "5 seconds")).Count(), OutputMode.Append));

    [Fact]
    public async Task DistinctAggregation_IsRefused() =>
        Assert.Contains("Distinct aggregations are not supported on streaming DataFrames/Datasets",
            await Refused(Events().GroupBy("_1").Agg(Expr("count(DISTINCT _2)")), OutputMode.Complete));

    [Fact]
    public async Task CompleteWithoutAggregation_IsRefused() =>
        Assert.Contains("Complete output mode not supported when there are no streaming aggregations", await Refused(Events().DropDuplicates("_1"), OutputMode.Complete));

    [Fact]
    public async Task MultipleStatefulOperatorsInUpdateMode_AreRefused() =>
        Assert.Contains("only supported in Append output mode",
            await Refused(Events().GroupBy("_1").Count().GroupBy("count").Count(), OutputMode.Update));

    [Fact]
    public async Task DropDuplicatesWithinWatermark_NeedsAWatermark() =>
        Assert.Contains("without watermark", await Refused(Events().DropDuplicatesWithinWatermark("_1"), OutputMode.Append));

    [Fact]
    public void NegativeDelay_RedefinedWatermark_AndTwoEventTimeColumns_AreRefused()
    {
        var events = Events();
        Assert.Contains("should not be negative", Assert.Throws<AnalysisException>(() => events.WithWatermark("eventTime", "-5 seconds").Schema).Message);
        Assert.Contains("Redefining watermark is disallowed.", Assert.Throws<AnalysisException>(() =>
            events.WithWatermark("eventTime", "5 seconds").WithWatermark("eventTime", "1 second").Schema).Message);
        var two = events.WithColumn("other", Col("eventTime")).WithWatermark("eventTime", "5 seconds").WithWatermark("other", "5 seconds");
        Assert.Contains("More than one event time columns", Assert.Throws<AnalysisException>(() => two.GroupBy("_1").Count().Schema).Message);
        Assert.Contains("timestamp", Assert.Throws<AnalysisException>(() => events.WithWatermark("_2", "5 seconds").Schema).Message);
    }

    [Fact]
    public void NonGroupedColumnInAggregation_IsNamed() =>
        Assert.Contains("\"_2\"", Assert.Throws<AnalysisException>(() => Events().GroupBy("_1").Agg(Col("_2"), Count()).Schema).Message);
}
