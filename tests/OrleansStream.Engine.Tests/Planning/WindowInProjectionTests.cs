using Apache.Arrow;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Planning;
using OrleansStream.Plan.Sql;
using OrleansStream.Plan.Types;
using static OrleansStream.Engine.Tests.Expressions.TestData;

namespace OrleansStream.Engine.Tests.Planning;

/// <summary>window(time, size) in a select (Spark's TimeWindow outside a grouping), which joins on equal windows use.</summary>
public class WindowInProjectionTests
{
    private const long Second = 1_000_000;

    [Fact]
    public void TumblingWindow_IsTheStructOfTheWindowHoldingEachTime_NullForANullTime_NamedWindow()
    {
        var batch = new RecordBatch(DataTypes.ParseSchema("t TIMESTAMP"), [Timestamps(12 * Second, null, -3 * Second)], 3);
        var expr = SqlExpressionParser.Parse("window(t, '10 seconds')");
        var window = (StructArray)ExpressionEvaluator.Evaluate(expr, batch, Ctx);
        Assert.Equal(new object?[] { 10 * Second, null, -10 * Second }, Values(window.Fields[0]).Select(v => v is DateTime d ? (object)((d - DateTime.UnixEpoch).Ticks / 10) : v));
        Assert.Equal(new object?[] { 20 * Second, null, 0L }, Values(window.Fields[1]).Select(v => v is DateTime d ? (object)((d - DateTime.UnixEpoch).Ticks / 10) : v));
        Assert.True(window.IsNull(1));
        Assert.Equal("window", ExpressionTyper.Resolve(expr, batch.Schema).Name);
    }

    [Fact]
    public void SlidingWindowInASelect_IsRefused_AndAWindowOverAWatermarkedTimeCarriesTheWatermark()
    {
        var events = new EventTimeWatermark(AnalyzerTests.Events, "ts", "10 seconds");
        var sliding = new Project(events, [SqlExpressionParser.Parse("window(ts, '10 seconds', '5 seconds')")]);
        Assert.Contains("in a select only tumbling windows are supported", Assert.Throws<AnalysisException>(() => QueryPlanner.Plan(sliding, AnalyzerTests.SchemaOf)).Message);

        // The window column is the event time below: grouping by it in Append mode emits once the watermark passes it.
        var windowed = new Project(events, [SqlExpressionParser.Parse("window(ts, '10 seconds')"), new ColumnRef("a")]);
        var counts = new Aggregate(windowed, [new ColumnRef("window")], [new ColumnRef("window"), SqlExpressionParser.ParseNamed("count(*) AS n")]);
        Assert.True(Assert.Single(QueryPlanner.Plan(counts, AnalyzerTests.SchemaOf, "append").KeyedStages).Operator!.UsesWatermark);
    }
}
