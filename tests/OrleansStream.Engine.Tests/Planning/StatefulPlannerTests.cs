using Apache.Arrow;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Operators.Watermark;
using OrleansStream.Engine.Operators.Windows;
using OrleansStream.Engine.Planning;
using OrleansStream.Engine.Planning.Physical;
using OrleansStream.Plan.Sql;
using OrleansStream.Plan.Types;
using static OrleansStream.Engine.Tests.Expressions.TestData;

namespace OrleansStream.Engine.Tests.Planning;

public class StatefulPlannerTests
{
    private const long Second = 1_000_000;
    private static Expr Sql(string s) => SqlExpressionParser.ParseNamed(s);

    private static LogicalPlan Watermarked(string delay = "10 seconds") => new EventTimeWatermark(AnalyzerTests.Events, "ts", delay);

    [Fact]
    public void WindowAssigner_PlacesTimesInAlignedWindows_IncludingBeforeTheEpoch()
    {
        var sliding = new WindowAssigner(10 * Second, 5 * Second, 0);
        Assert.Equal(2, sliding.Overlaps);
        var times = Timestamps(12 * Second, -3 * Second, null);
        var rows = new int[3];
        var starts = new long[3];
        var ends = new long[3];
        Assert.Equal(2, sliding.Assign(times, 0, rows, starts, ends));
        Assert.Equal([10 * Second, -5 * Second], starts[..2]);
        Assert.Equal(2, sliding.Assign(times, 1, rows, starts, ends));
        Assert.Equal([5 * Second, -10 * Second], starts[..2]);
        Assert.Equal([15 * Second, 0], ends[..2]);

        var shifted = new WindowAssigner(10 * Second, 10 * Second, 2 * Second);
        Assert.Equal(1, shifted.Assign(Timestamps(1 * Second), 0, rows, starts, ends));
        Assert.Equal(-8 * Second, starts[0]);
        Assert.Throws<AnalysisException>(() => new WindowAssigner(5 * Second, 10 * Second, 0));
    }

    [Fact]
    public void WindowOverAWatermarkedColumn_DecidesFinality_AndMarksTheWindowOutput()
    {
        var first = new Aggregate(Watermarked(), [Sql("window(ts, '5 seconds')"), Sql("b")], [Sql("window(ts, '5 seconds')"), Sql("b"), Sql("count(*) AS n")]);
        var second = new Aggregate(first, [Sql("window(window, '10 seconds')")], [Sql("window(window, '10 seconds')"), Sql("sum(n) AS total")]);
        var plan = QueryPlanner.Plan(second, AnalyzerTests.SchemaOf, "append");

        Assert.Equal(2, plan.StatefulOperators.Count);
        Assert.All(plan.StatefulOperators, op => Assert.True(op.UsesWatermark));
        Assert.Equal("window struct<start:timestamp,end:timestamp>, total bigint", DataTypes.ToDdl(plan.OutputSchema));
        Assert.Equal(new WatermarkSpec(0, "ts", 10_000), Assert.Single(plan.Watermarks));
        // The stateless stage ends before the first aggregation; the watermark operator sits in it.
        Assert.Contains(plan.Pipelines[0].Operators, o => o is WatermarkOperator);
    }

    [Fact]
    public void AggregationWithoutEventTimeKey_HasNoWatermarkEviction_AndAppendIsRefused()
    {
        var counts = new Aggregate(Watermarked(), [Sql("b")], [Sql("b"), Sql("max(ts) AS latest")]);
        Assert.False(QueryPlanner.Plan(counts, AnalyzerTests.SchemaOf, "update").StatefulOperators[0].UsesWatermark);
        var error = Assert.Throws<AnalysisException>(() => QueryPlanner.Plan(counts, AnalyzerTests.SchemaOf, "append"));
        Assert.Contains("without watermark", error.Message);
    }

    [Fact]
    public void RenamedEventTimeColumn_KeepsItsWatermark()
    {
        var renamed = new RenameColumn(Watermarked(), "ts", "eventTime");
        var dedup = new Deduplicate(renamed, ["b", "eventTime"], WithinWatermark: false);
        Assert.True(QueryPlanner.Plan(dedup, AnalyzerTests.SchemaOf, "append").StatefulOperators[0].UsesWatermark);
        var byKeyOnly = new Deduplicate(renamed, ["b"], WithinWatermark: false);
        Assert.False(QueryPlanner.Plan(byKeyOnly, AnalyzerTests.SchemaOf, "append").StatefulOperators[0].UsesWatermark);
    }

    [Fact]
    public void BatchExecution_AggregatesWindowsOverAllRows()
    {
        var local = PlannerTests.Local(("k", Strs("a", "b", "a", "a")), ("ts", Timestamps(1 * Second, 2 * Second, 6 * Second, 4 * Second)));
        var plan = new Aggregate(local, [Sql("window(ts, '5 seconds')"), Sql("k")], [Sql("window(ts, '5 seconds')"), Sql("k"), Sql("count(*) AS n"), Sql("last(ts) AS latest")]);
        var physical = QueryPlanner.Plan(plan, _ => throw new InvalidOperationException());
        var result = BatchExecutor.Run(physical, p => ArrowIpc.DeserializeMany(((LocalRelation)p.Leaf).ArrowIpc), new EpochContext(0, 0));
        var rows = ArrowValues.ToRows(result)
            .Select(r => $"{((DateTime)((object?[])r[0]!)[0]!).Second}:{r[1]}:{r[2]}:{((DateTime)r[3]!).Second}").Order().ToList();
        Assert.Equal(["0:a:2:4", "0:b:1:2", "5:a:1:6"], rows);
    }
}
