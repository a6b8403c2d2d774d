using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Planning;
using OrleansStream.Engine.Planning.Physical;
using OrleansStream.Plan.Sql;
using OrleansStream.Plan.Types;
using static OrleansStream.Engine.Tests.Expressions.TestData;

namespace OrleansStream.Engine.Tests.Planning.Physical;

/// <summary>The physical plan as a stage graph: ids, edges, waves, Spark's rules over it, and batch execution walking it.</summary>
public class StageGraphTests
{
    private const long Second = 1_000_000;
    private static readonly SourceRelation Left = new("0", "memory", new Dictionary<string, string>(), null, true);
    private static readonly SourceRelation Right = new("1", "memory", new Dictionary<string, string>(), null, true);
    private static readonly Schema EventSchema = DataTypes.ParseSchema("k STRING, v INT, ts TIMESTAMP");

    private static Schema SchemaOf(SourceRelation _) => EventSchema;
    private static Expr Sql(string s) => SqlExpressionParser.ParseNamed(s);
    private static Expr[] Sel(params string[] s) => s.Select(Sql).ToArray();

    private static LogicalPlan WindowCounts(LogicalPlan input) =>
        new Aggregate(new EventTimeWatermark(input, "ts", "0 seconds"), [Sql("window(ts, '10 seconds')"), Sql("k")],
            [Sql("window(ts, '10 seconds')"), Sql("k"), Sql("count(*) AS n")]);

    [Fact]
    public void Chain_NumbersKeyedStagesInTheOrderRowsFlow_AsTheOperatorIdsOfTheListShapedPlan()
    {
        var dedup = new Deduplicate(new EventTimeWatermark(Left, "ts", "0 seconds"), ["k", "ts"], WithinWatermark: false);
        var counts = new Aggregate(dedup, [Sql("window(ts, '10 seconds')"), Sql("k")], [Sql("window(ts, '10 seconds')"), Sql("k"), Sql("count(*) AS n")]);
        var plan = QueryPlanner.Plan(counts, SchemaOf, "append");

        Assert.Equal([0, 1, 2], plan.Stages.Select(s => s.Id));
        Assert.Equal(["dedupe", "stateStoreSave"], plan.KeyedStages.Select(s => s.Operator!.Name));
        var source = Assert.Single(plan.SourceStages);
        Assert.Equal(2, source.Id);
        Assert.Equal(StageInput.FromLeaf("0"), Assert.Single(source.Inputs));
        Assert.Equal([StageOutput.ToStage(0, 0)], source.Outputs);
        Assert.Equal([StageInput.FromStage(2, 0)], plan.Stages[0].Inputs);
        Assert.Equal([StageOutput.ToStage(1, 0)], plan.Stages[0].Outputs);
        Assert.Equal([StageInput.FromStage(0, 0)], plan.Stages[1].Inputs);
        Assert.Equal([StageOutput.Sink], plan.Stages[1].Outputs);
        Assert.Equal(ExchangeKind.KeyGroups, plan.Stages[1].Inputs[0].Exchange);
        Assert.Equal([[0], [1]], plan.Waves.Select(w => w.Select(s => s.Id).ToArray()));
        Assert.False(plan.SourcesOutputToSink);
        // The aggregation's output projection runs in its stage, after the operator.
        Assert.Equal(DataTypes.ToDdl(plan.OutputSchema), DataTypes.ToDdl(plan.Stages[1].OutputSchema));
    }

    [Fact]
    public void KeyedStagesOfAChain_KeepTheStateFoldersOfTheOperatorIdsTheyReplace()
    {
        // Written by the list-shaped plan as state/{query}/op{operator id}/...: stage ids of a chain are those ids, so an
        // existing checkpoint's state is found where it was written.
        var dedup = new Deduplicate(new EventTimeWatermark(Left, "ts", "0 seconds"), ["k", "ts"], WithinWatermark: false);
        var counts = new Aggregate(dedup, [Sql("window(ts, '10 seconds')"), Sql("k")], [Sql("window(ts, '10 seconds')"), Sql("k"), Sql("count(*) AS n")]);
        var plan = QueryPlanner.Plan(counts, SchemaOf, "append");
        Assert.Equal(["state/q%2F1/op0/n2/p1/", "state/q%2F1/op1/n2/p1/"],
            plan.KeyedStages.Select(s => new Engine.State.StatePartitionLocation("q/1", s.Id, 1, 2, 128).Directory()));
    }

    [Fact]
    public void StatelessQuery_IsSourceStagesWritingToTheSink()
    {
        var plan = QueryPlanner.Plan(new Union(new Project(Left, Sel("k")), new Project(Right, Sel("k"))), SchemaOf);

        Assert.False(plan.IsStateful);
        Assert.Empty(plan.Waves);
        Assert.Equal(["0", "1"], plan.SourceStages.Select(s => s.Source!.LeafId));
        Assert.All(plan.SourceStages, s => Assert.Equal([StageOutput.Sink], s.Outputs));
        Assert.True(plan.SourcesOutputToSink);
        Assert.Single(plan.StagesReading("1"));
    }

    [Fact]
    public void UnionOfTwoAggregations_IsTwoKeyedStagesInOneWave_BothWritingToTheSink()
    {
        var plan = QueryPlanner.Plan(new Union(WindowCounts(Left), WindowCounts(Right)), SchemaOf, "append");

        Assert.Equal(2, plan.KeyedStages.Count);
        Assert.Equal([[0, 1]], plan.Waves.Select(w => w.Select(s => s.Id).ToArray()));
        Assert.All(plan.KeyedStages, s => Assert.Equal([StageOutput.Sink], s.Outputs));
        Assert.Equal([StageOutput.ToStage(0, 0)], plan.StagesReading("0").Single().Outputs);
        Assert.Equal([StageOutput.ToStage(1, 0)], plan.StagesReading("1").Single().Outputs);
        Assert.Equal(2, plan.Watermarks.Count);
    }

    [Fact]
    public void UnionAfterStatefulBranches_FeedsOneInputOfTheNextKeyedStage()
    {
        var left = new Deduplicate(new Project(Left, Sel("k", "v")), ["k"], WithinWatermark: false);
        var right = new Project(Right, Sel("k", "v"));
        var plan = QueryPlanner.Plan(new Deduplicate(new Union(left, right), ["v"], WithinWatermark: false), SchemaOf, "append");

        Assert.Equal(2, plan.KeyedStages.Count);
        var last = plan.Stages[1];
        // Both the left dedup and the right source stage feed input 0 of the last dedup.
        Assert.Equal([StageInput.FromStage(0, 0), StageInput.FromStage(3, 0)], last.Inputs);
        Assert.Equal([[0], [1]], plan.Waves.Select(w => w.Select(s => s.Id).ToArray()));
        Assert.Equal([StageOutput.ToStage(1, 0)], plan.Stages[0].Outputs);
    }

    [Fact]
    public void SparkRules_UnionOfAggregationsOnlyInAppend_UnionOfDeduplicationsInAnyMode()
    {
        var aggregations = new Union(WindowCounts(Left), WindowCounts(Right));
        Assert.Equal(2, QueryPlanner.Plan(aggregations, SchemaOf, "append").KeyedStages.Count);
        var error = Assert.Throws<AnalysisException>(() => QueryPlanner.Plan(aggregations, SchemaOf, "update"));
        Assert.Contains("Multiple streaming aggregations are not supported with streaming DataFrames/Datasets", error.Message);
        Assert.Throws<AnalysisException>(() => QueryPlanner.Plan(aggregations, SchemaOf, "complete"));

        var deduplications = new Union(new Deduplicate(Left, ["k"], false), new Deduplicate(Right, ["k"], false));
        Assert.Equal(2, QueryPlanner.Plan(deduplications, SchemaOf, "update").KeyedStages.Count);
        Assert.Equal(2, QueryPlanner.Plan(deduplications, SchemaOf, "append").KeyedStages.Count);

        // Something stateful after an aggregation stays Append-only, as in a chain.
        var afterAggregation = new Deduplicate(new Union(new Aggregate(Left, [Sql("k")], [Sql("k"), Sql("count(*) AS n")]),
            new Aggregate(Right, [Sql("k")], [Sql("k"), Sql("count(*) AS n")])), ["k"], false);
        Assert.Contains("only supported in Append output mode", Assert.Throws<AnalysisException>(() => QueryPlanner.Plan(afterAggregation, SchemaOf, "update")).Message);
    }

    [Fact]
    public void BatchExecution_WalksTheGraph_UnionOfTwoAggregations()
    {
        var left = PlannerTests.Local(("k", Strs("a", "b", "a")), ("v", Ints(1, 2, 3)), ("ts", Timestamps(1 * Second, 2 * Second, 3 * Second)));
        var right = PlannerTests.Local(("k", Strs("a", "c")), ("v", Ints(4, 5)), ("ts", Timestamps(1 * Second, 12 * Second)));
        var counts = (LogicalPlan input) => new Aggregate(input, [Sql("k")], [Sql("k"), Sql("count(*) AS n"), Sql("sum(v) AS total")]);
        var physical = QueryPlanner.Plan(new Union(counts(left), counts(right)), _ => throw new InvalidOperationException());

        Assert.Equal(["a:1:4", "a:2:4", "b:1:2", "c:1:5"], Rows(Run(physical)));
    }

    [Fact]
    public void BatchExecution_WalksTheGraph_DeduplicationOnEachSideThenUnionThenAggregation()
    {
        var left = PlannerTests.Local(("k", Strs("a", "a", "b")), ("v", Ints(1, 2, 3)), ("ts", Timestamps(1 * Second, 2 * Second, 3 * Second)));
        var right = PlannerTests.Local(("k", Strs("a", "c", "c")), ("v", Ints(4, 5, 6)), ("ts", Timestamps(1 * Second, 12 * Second, 13 * Second)));
        var union = new Union(new Deduplicate(left, ["k"], false), new Deduplicate(right, ["k"], false));
        var physical = QueryPlanner.Plan(new Aggregate(union, [Sql("k")], [Sql("k"), Sql("count(*) AS n"), Sql("sum(v) AS total")]), _ => throw new InvalidOperationException());

        Assert.Equal(3, physical.KeyedStages.Count);
        Assert.Equal(["a:2:5", "b:1:3", "c:1:5"], Rows(Run(physical)));
    }

    [Fact]
    public void BatchExecution_UnionOfAStatefulAndAStatelessBranch()
    {
        var left = PlannerTests.Local(("k", Strs("a", "a", "b")), ("v", Ints(1, 2, 3)));
        var right = PlannerTests.Local(("k", Strs("a", "a")), ("v", Ints(7, 7)));
        var physical = QueryPlanner.Plan(new Union(new Deduplicate(left, ["k"], false), right), _ => throw new InvalidOperationException());

        Assert.True(physical.SourcesOutputToSink);
        Assert.Equal(["a:1", "a:7", "a:7", "b:3"], Rows(Run(physical)));
    }

    [Fact]
    public void PhysicalPlan_RefusesStagesOutOfIdOrder_AndKeyedOperatorsRefuseAnInputTheyDoNotHave()
    {
        var plan = QueryPlanner.Plan(new Deduplicate(Left, ["k"], false), SchemaOf);
        Assert.Throws<ArgumentException>(() => new PhysicalPlan(plan.OutputSchema, plan.Stages.Reverse().ToList()));
        Assert.Throws<ArgumentOutOfRangeException>(() => plan.StatefulOperators[0].CreateExchangeWriter(1));
        Assert.Throws<InvalidOperationException>(() => plan.SourceStages[0].RunPipeline(new RecordBatch(EventSchema, [Strs(), Ints(), Timestamps()], 0), new EpochContext(0, 0)));
    }

    private static RecordBatch Run(PhysicalPlan physical) =>
        BatchExecutor.Run(physical, p => ArrowIpc.DeserializeMany(((LocalRelation)p.Leaf).ArrowIpc), new EpochContext(0, 0));

    private static List<string> Rows(RecordBatch batch) =>
        ArrowValues.ToRows(batch).Select(r => string.Join(":", r.Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)))).Order(StringComparer.Ordinal).ToList();
}
