using Apache.Arrow;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Planning;
using OrleansStream.Engine.Planning.Physical;
using OrleansStream.Plan.Sql;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Tests.Planning;

public class JoinPlannerTests
{
    private static readonly SourceRelation People = new("p", "memory", new Dictionary<string, string>(), null, false) { PlanId = 1 };
    private static readonly SourceRelation Scores = new("s", "memory", new Dictionary<string, string>(), null, false) { PlanId = 2 };
    private static readonly SourceRelation Clicks = new("c", "memory", new Dictionary<string, string>(), null, true) { PlanId = 3 };
    private static readonly SourceRelation Views = new("v", "memory", new Dictionary<string, string>(), null, true) { PlanId = 4 };

    private static Schema SchemaOf(SourceRelation s) => s.SourceId switch
    {
        "p" => DataTypes.ParseSchema("id INT, name STRING, info STRUCT<city: STRING>"),
        "s" => DataTypes.ParseSchema("id BIGINT, score DOUBLE"),
        "c" => DataTypes.ParseSchema("id INT, clickTime TIMESTAMP"),
        _ => DataTypes.ParseSchema("id INT, viewTime TIMESTAMP"),
    };

    private static Expr Sql(string s) => SqlExpressionParser.Parse(s);
    private static Expr[] Sel(params string[] s) => s.Select(SqlExpressionParser.ParseNamed).ToArray();
    private static LogicalPlan Aliased(LogicalPlan p, string alias) => new SubqueryAlias(p, alias);
    private static Join Joined(LogicalPlan l, LogicalPlan r, JoinType type, string? on) => new(l, r, type, on is null ? null : Sql(on), []);
    private static string Ddl(Schema s) => DataTypes.ToDdl(s);

    [Fact]
    public void EquiJoin_IsOneKeyedStageWithTheLeftSideOnInput0AndTheRightOnInput1_BothHashedToKeyGroups()
    {
        var plan = QueryPlanner.Plan(Joined(Aliased(People, "p"), Aliased(Scores, "s"), JoinType.Inner, "p.id = s.id AND s.score > 1"), SchemaOf);

        var join = Assert.Single(plan.KeyedStages);
        Assert.IsType<JoinOperatorSpec>(join.Operator);
        Assert.Equal("symmetricHashJoin", join.Operator!.Name);
        var left = plan.SourceStages.Single(s => s.Source!.LeafId == "p");
        var right = plan.SourceStages.Single(s => s.Source!.LeafId == "s");
        Assert.Equal([(0, ExchangeKind.KeyGroups, (int?)left.Id), (1, ExchangeKind.KeyGroups, right.Id)],
            join.Inputs.Select(i => (i.InputIndex, i.Exchange, i.UpstreamStageId)).OrderBy(i => i.InputIndex));
        Assert.Equal([StageOutput.ToStage(join.Id, 0)], left.Outputs);
        Assert.Equal([StageOutput.ToStage(join.Id, 1)], right.Outputs);
        // The int key meets a bigint key: the left side computes the key cast to bigint (Spark's coercion) in an appended column,
        // which the join's output drops again.
        Assert.Equal("id int, name string, info struct<city:string>, __lkey0 bigint", Ddl(join.Operator.InputSchemas[0]));
        Assert.Equal("id bigint, score double", Ddl(join.Operator.InputSchemas[1]));
        Assert.Equal("id int, name string, info struct<city:string>, id bigint, score double", Ddl(plan.OutputSchema));
        Assert.All(plan.OutputSchema.FieldsList, f => Assert.False(f.HasMetadata));
        // Qualifiers serve resolution only: the operator, and the rows it keeps in state, see plain columns.
        Assert.All(join.Operator.InputSchemas.SelectMany(s => s.FieldsList), f => Assert.False(f.HasMetadata));
    }

    [Fact]
    public void JoinsAliasesAndDataFrameReferences_SurviveThePlansJson()
    {
        var plan = new Project(new Join(Aliased(People, "p"), Scores, JoinType.LeftAnti,
            new BinaryExpr(BinaryOp.EqualNullSafe, new ColumnRef("p.id"), new ColumnRef("id") { PlanId = 2 }), ["x"]) { PlanId = 9 }, [new ColumnRef("name") { PlanId = 1 }]);
        var back = (Project)PlanSerializer.Deserialize(PlanSerializer.Serialize(plan));
        var join = Assert.IsType<Join>(back.Child);
        Assert.Equal((JoinType.LeftAnti, (long?)9, "p", (long?)2, (long?)1), (join.Type, join.PlanId, ((SubqueryAlias)join.Left).Alias,
            ((ColumnRef)((BinaryExpr)join.Condition!).Right).PlanId, ((ColumnRef)back.Exprs[0]).PlanId));
        Assert.Equal(["x"], join.UsingColumns);
        Assert.Equal(PlanSerializer.Serialize(plan), PlanSerializer.Serialize(back));
    }

    [Fact]
    public void OuterJoins_WidenTheNullableSide_SemiAndAntiOutputTheLeftSideOnly()
    {
        static string Nullability(JoinType t) => string.Join(",", QueryPlanner.Plan(
            Joined(Aliased(new Project(People, Sel("CAST(id AS BIGINT) AS id")), "a"), Aliased(new Project(Scores, Sel("id")), "b"), t, "a.id = b.id"),
            s => DataTypes.ParseSchema(s.SourceId == "p" ? "id INT NOT NULL, name STRING, info STRUCT<city: STRING>" : "id BIGINT NOT NULL, score DOUBLE"))
            .OutputSchema.FieldsList.Select(f => f.IsNullable ? "null" : "not null"));

        Assert.Equal("not null,not null", Nullability(JoinType.Inner));
        Assert.Equal("not null,null", Nullability(JoinType.LeftOuter));
        Assert.Equal("null,not null", Nullability(JoinType.RightOuter));
        Assert.Equal("null,null", Nullability(JoinType.FullOuter));
        Assert.Equal("not null", Nullability(JoinType.LeftSemi));
        Assert.Equal("not null", Nullability(JoinType.LeftAnti));
    }

    [Fact]
    public void UsingColumns_ComeFirstOnce_FromTheSideSparkTakesThemFrom()
    {
        var people = new Project(People, Sel("CAST(id AS BIGINT) AS id", "name"));
        static Join Using(LogicalPlan l, LogicalPlan r, JoinType t) => new(l, r, t, null, ["id"]);

        Assert.Equal("id bigint, name string, score double", Ddl(QueryPlanner.Plan(Using(people, Scores, JoinType.Inner), SchemaOf).OutputSchema));
        Assert.Equal("id bigint, name string", Ddl(QueryPlanner.Plan(Using(people, Scores, JoinType.LeftSemi), SchemaOf).OutputSchema));
        // Full outer: the first non-null of both keys, in their common type; right outer: the right side's key.
        Assert.Equal("id bigint, score double, name string, info struct<city:string>",
            Ddl(QueryPlanner.Plan(new Join(Scores, People, JoinType.FullOuter, null, ["id"]), SchemaOf).OutputSchema));
        Assert.Equal("id int, score double, name string, info struct<city:string>",
            Ddl(QueryPlanner.Plan(new Join(Scores, People, JoinType.RightOuter, null, ["id"]), SchemaOf).OutputSchema));
        var ex = Assert.Throws<AnalysisException>(() => QueryPlanner.Plan(new Join(People, Scores, JoinType.Inner, null, ["name"]), SchemaOf));
        Assert.Equal("[UNRESOLVED_USING_COLUMN_FOR_JOIN] USING column `name` cannot be resolved on the right side of the join. The right-side columns: [`id`, `score`].", ex.Message);
    }

    [Fact]
    public void AnUnqualifiedNameOnBothSides_IsAmbiguous_NamingTheCandidates()
    {
        var ex = Assert.Throws<AnalysisException>(() => QueryPlanner.Plan(Joined(Aliased(People, "p"), Aliased(Scores, "s"), JoinType.Inner, "id = id"), SchemaOf));
        Assert.Equal("[AMBIGUOUS_REFERENCE] Reference `id` is ambiguous, could be: [`p`.`id`, `s`.`id`].", ex.Message);
        // Above the join too.
        var above = new Project(Joined(People, Scores, JoinType.Cross, null), Sel("id"));
        Assert.Equal("[AMBIGUOUS_REFERENCE] Reference `id` is ambiguous, could be: [`id`, `id`].",
            Assert.Throws<AnalysisException>(() => QueryPlanner.Plan(above, SchemaOf)).Message);
    }

    [Fact]
    public void ConditionOnAnUnknownColumn_OrIncomparableKeys_IsRefusedNamingThem()
    {
        var unknown = Assert.Throws<AnalysisException>(() => QueryPlanner.Plan(Joined(Aliased(People, "p"), Aliased(Scores, "s"), JoinType.Inner, "p.id = s.nope"), SchemaOf));
        Assert.StartsWith("[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter with name `s`.`nope` cannot be resolved.", unknown.Message.Replace("`s.nope`", "`s`.`nope`", StringComparison.Ordinal));

        var types = Assert.Throws<AnalysisException>(() => QueryPlanner.Plan(Joined(Aliased(People, "p"), Aliased(Scores, "s"), JoinType.Inner, "p.name = p.info AND p.id = s.id"), SchemaOf));
        Assert.True(types.Message.Contains("[DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES] Cannot resolve \"(p.name = p.info)\"", StringComparison.Ordinal), types.Message);
        Assert.True(types.Message.EndsWith("have incompatible types (\"STRING\" and \"STRUCT<CITY:STRING>\").", StringComparison.Ordinal), types.Message);

        var notBoolean = Assert.Throws<AnalysisException>(() => QueryPlanner.Plan(Joined(People, Scores, JoinType.Inner, "score"), SchemaOf));
        Assert.Equal("[JOIN_CONDITION_IS_NOT_BOOLEAN_TYPE] The join condition `score` has the invalid type \"DOUBLE\", expected \"BOOLEAN\".", notBoolean.Message);
    }

    [Fact]
    public void SelfJoin_TellsItsSidesApartByAlias_AndQualifiedStarExpandsOneSide()
    {
        var self = Joined(Aliased(People, "a"), Aliased(People, "b"), JoinType.Inner, "a.id = b.id AND a.name <> b.name");
        var plan = QueryPlanner.Plan(new Project(self, Sel("b.*", "a.name AS other", "a.info.city")), SchemaOf);

        Assert.Equal("id int, name string, info struct<city:string>, other string, city string", Ddl(plan.OutputSchema));
        // Both sides read the same source, each through its own stage.
        Assert.Equal(2, plan.SourceStages.Count(s => s.Source!.LeafId == "p"));
    }

    [Fact]
    public void DataFrameColumnReference_ResolvesToItsOwnSide_EvenWithTheSameNameOnTheOther()
    {
        var on = new BinaryExpr(BinaryOp.Equal, new ColumnRef("id") { PlanId = 1 }, new ColumnRef("id") { PlanId = 2 });
        var plan = QueryPlanner.Plan(new Project(new Join(People, Scores, JoinType.Inner, on, []), [new ColumnRef("id") { PlanId = 2 }, new ColumnRef("name") { PlanId = 1 }]), SchemaOf);
        Assert.Equal("id bigint, name string", Ddl(plan.OutputSchema));

        // A reference to a DataFrame that is not below: Spark Connect's error.
        var foreign = new Project(People, [new ColumnRef("id") { PlanId = 2 }]);
        Assert.StartsWith("[CANNOT_RESOLVE_DATAFRAME_COLUMN] Cannot resolve dataframe column \"id\".",
            Assert.Throws<AnalysisException>(() => QueryPlanner.Plan(foreign, SchemaOf)).Message);
    }

    [Fact]
    public void Analyzer_ResolvesQualifiedNamesAboveAJoin_AndReturnsPlainColumns()
    {
        var schema = Analyzer.Analyze(new Project(Joined(Aliased(People, "p"), Aliased(Scores, "s"), JoinType.LeftOuter, "p.id = s.id"), Sel("p.id", "s.score")), SchemaOf);
        Assert.Equal("id int, score double", Ddl(schema));
        Assert.All(schema.FieldsList, f => Assert.False(f.HasMetadata));
        Assert.Equal("id int, name string, info struct<city:string>", Ddl(Analyzer.Analyze(new Project(Aliased(People, "p"), Sel("p.*")), SchemaOf)));
    }

    [Fact]
    public void ColumnPruning_SeesThroughTheJoin_ReadingWhatTheOutputAndTheConditionNeed()
    {
        var plan = QueryPlanner.Plan(new Project(Joined(Aliased(People, "p"), Aliased(Scores, "s"), JoinType.Inner, "p.id = s.id"), Sel("p.name")), SchemaOf);
        Assert.Equal(["id", "name"], plan.Pipelines.Single(p => p.LeafId == "p").ReadSchema.FieldsList.Select(f => f.Name));
        Assert.Equal(["id"], plan.Pipelines.Single(p => p.LeafId == "s").ReadSchema.FieldsList.Select(f => f.Name));
    }

    [Theory]
    [InlineData(JoinType.FullOuter, true, false, "FullOuter joins with streaming DataFrames/Datasets on the left and a static DataFrame/Dataset on the right is not supported")]
    [InlineData(JoinType.FullOuter, false, true, "FullOuter joins with streaming DataFrames/Datasets on the right and a static DataFrame/Dataset on the left is not supported")]
    [InlineData(JoinType.LeftOuter, false, true, "LeftOuter join with a streaming DataFrame/Dataset on the right and a static DataFrame/Dataset on the left is not supported")]
    [InlineData(JoinType.LeftSemi, false, true, "LeftSemi join with a streaming DataFrame/Dataset on the right and a static DataFrame/Dataset on the left is not supported")]
    [InlineData(JoinType.LeftAnti, false, true, "LeftAnti joins with a streaming DataFrame/Dataset on the right are not supported")]
    [InlineData(JoinType.RightOuter, true, false, "RightOuter join with a streaming DataFrame/Dataset on the left and a static DataFrame/DataSet on the right not supported")]
    public void StreamStaticJoins_SparkRefuses_AreRefusedInSparksWords(JoinType type, bool streamLeft, bool streamRight, string message)
    {
        LogicalPlan left = streamLeft ? Clicks : People;
        LogicalPlan right = streamRight ? Views : Scores;
        var join = new Join(left, right, type, null, ["id"]);
        Assert.Equal(message, Assert.Throws<AnalysisException>(() => QueryPlanner.Plan(join, SchemaOf, "append")).Message);
    }

    [Theory]
    [InlineData(JoinType.Inner, true, false)]
    [InlineData(JoinType.Inner, false, true)]
    [InlineData(JoinType.LeftOuter, true, false)]
    [InlineData(JoinType.RightOuter, false, true)]
    [InlineData(JoinType.LeftSemi, true, false)]
    [InlineData(JoinType.LeftAnti, true, false)]
    public void StreamStaticJoins_SparkAllows_PlanWithTheStaticSideMarked(JoinType type, bool streamLeft, bool streamRight)
    {
        LogicalPlan left = streamLeft ? Clicks : People;
        LogicalPlan right = streamRight ? Views : Scores;
        var plan = QueryPlanner.Plan(new Join(left, right, type, null, ["id"]), SchemaOf, "append");
        Assert.IsType<JoinOperatorSpec>(Assert.Single(plan.KeyedStages).Operator);
        Assert.False(QueryPlanner.IsStatic(streamLeft ? Clicks : Views));
        Assert.True(QueryPlanner.IsStatic(streamLeft ? Scores : People));
    }

    [Fact]
    public void StreamStreamJoin_OutsideAppendMode_IsRefusedInSparksWords()
    {
        var join = new Join(Clicks, Views, JoinType.Inner, null, ["id"]);
        Assert.Equal("Join between two streaming DataFrames/Datasets is not supported in Update output mode, only in Append output mode",
            Assert.Throws<AnalysisException>(() => QueryPlanner.Plan(join, SchemaOf, "update")).Message);
        Assert.Equal("Complete output mode not supported when there are no streaming aggregations on streaming DataFrames/Datasets.",
            Assert.Throws<AnalysisException>(() => QueryPlanner.Plan(join, SchemaOf, "complete")).Message);
        Assert.Single(QueryPlanner.Plan(join, SchemaOf, "append").KeyedStages);
    }

    [Fact]
    public void StreamStreamJoinWithoutAnEquality_IsRefusedInSparksWords()
    {
        var join = Joined(Clicks, Aliased(Views, "v"), JoinType.Inner, "clickTime < v.viewTime");
        Assert.Equal("Stream-stream join without equality predicate is not supported.",
            Assert.Throws<AnalysisException>(() => QueryPlanner.Plan(join, SchemaOf, "append")).Message);
        // A stream-static join without equality runs (every stream row meets the whole table).
        Assert.Single(QueryPlanner.Plan(Joined(Clicks, Aliased(People, "p"), JoinType.Inner, "clickTime IS NOT NULL AND p.id > 0"), SchemaOf, "append").KeyedStages);
    }

    [Fact]
    public void AggregationAfterAStreamStreamJoin_WindowsEitherSidesEventTime_WithItsDelay()
    {
        var left = new EventTimeWatermark(Clicks, "clickTime", "10 seconds");
        var right = new EventTimeWatermark(Views, "viewTime", "20 seconds");
        var join = Joined(Aliased(left, "c"), Aliased(right, "v"), JoinType.Inner, "c.id = v.id AND clickTime BETWEEN viewTime AND viewTime + interval 5 seconds");
        var counts = new Aggregate(join, [Sql("window(viewTime, '10 seconds')")], Sel("window(viewTime, '10 seconds')", "count(*) AS n"));
        var plan = QueryPlanner.Plan(counts, SchemaOf, "append");
        Assert.Equal(2, plan.KeyedStages.Count);
        var aggregation = Assert.IsType<AggregationOperatorSpec>(plan.KeyedStages[1].Operator);
        Assert.True(aggregation.UsesWatermark);
        Assert.Equal(2, plan.Watermarks.Count);
    }
}
