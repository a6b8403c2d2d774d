using Apache.Arrow;
using Apache.Arrow.Ipc;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Planning;
using OrleansStream.Engine.Planning.Physical;
using OrleansStream.Plan.Sql;
using OrleansStream.Plan.Types;
using static OrleansStream.Engine.Tests.Expressions.TestData;

namespace OrleansStream.Engine.Tests.Planning;

public class PlannerTests
{
    private static Expr[] Sel(params string[] s) => s.Select(SqlExpressionParser.ParseNamed).ToArray();

    internal static LocalRelation Local(params (string Name, IArrowArray Array)[] columns)
    {
        var batch = Batch(columns);
        using var ms = new MemoryStream();
        using (var w = new ArrowStreamWriter(ms, batch.Schema, leaveOpen: true))
        {
            w.WriteRecordBatch(batch);
            w.WriteEnd();
        }
        return new LocalRelation(ms.ToArray());
    }

    private sealed record Unknown(LogicalPlan Child) : LogicalPlan
    {
        public override IReadOnlyList<LogicalPlan> Children => [Child];
    }

    [Fact]
    public void Single_source_chain()
    {
        var plan = new Project(new Filter(AnalyzerTests.Events, SqlExpressionParser.Parse("a > 1")), Sel("a * 10 AS x", "upper(b) AS b"));
        var phys = QueryPlanner.Plan(plan, AnalyzerTests.SchemaOf);
        var p = Assert.Single(phys.Pipelines);
        Assert.Equal("0", p.LeafId);
        Assert.Same(AnalyzerTests.Events, p.Leaf);
        Assert.Equal(2, p.Operators.Count);
        Assert.Equal("x int, b string", DataTypes.ToDdl(phys.OutputSchema));
        var input = new RecordBatch(p.InputSchema, [Ints(1, 2, 3), Strs("a", "b", null), Eval("from_json('{}', 'x INT, tags ARRAY<STRING>')", Batch(("z", Ints(0, 0, 0)))), Timestamps(1, 2, 3)], 3);
        var output = p.Run(input, Ctx);
        Assert.Same(phys.OutputSchema, output.Schema);
        Assert.Equal(new object?[] { 20, 30 }, Values(output.Column(0)));
        Assert.Equal(new object?[] { "B", null }, Values(output.Column(1)));
    }

    // Spark's UnsupportedOperationChecker: a streaming query may not union a stream with a batch relation, on either side
    // and at any depth; a batch query may (the same union planned without an output mode).
    [Fact]
    public void Union_of_a_stream_and_a_batch_relation_is_refused_in_a_streaming_query()
    {
        var stream = new Project(AnalyzerTests.Events, Sel("a"));
        var batch = new Project(AnalyzerTests.Other with { SourceId = "2", IsStreaming = false }, Sel("c"));
        var local = Local(("a", Ints(7)));
        foreach (var plan in new LogicalPlan[] { new Union(stream, local), new Union(local, stream), new Project(new Union(stream, batch), Sel("a")) })
        {
            var error = Assert.Throws<AnalysisException>(() => QueryPlanner.Plan(plan, AnalyzerTests.SchemaOf, "append"));
            Assert.Equal("Union between streaming and batch DataFrames/Datasets is not supported", error.Message);
        }
        Assert.Equal(2, QueryPlanner.Plan(new Union(stream, local), AnalyzerTests.SchemaOf).Pipelines.Count);
        var streams = new Union(new Project(AnalyzerTests.Events, Sel("a")), new Project(AnalyzerTests.Other, Sel("c")));
        Assert.Equal(2, QueryPlanner.Plan(streams, AnalyzerTests.SchemaOf, "append").Pipelines.Count);
    }

    [Fact]
    public void Union_pipelines_share_one_output_schema()
    {
        var left = new Project(AnalyzerTests.Events, Sel("a AS id", "b AS name"));
        var right = new Project(AnalyzerTests.Other, Sel("c", "d"));
        var local = Local(("k", Ints(7)), ("v", Strs("loc")));
        var plan = new WithColumns(new Union(new Union(left, right), local), ["tag"], [new Literal("t", "string")]);
        var phys = QueryPlanner.Plan(plan, AnalyzerTests.SchemaOf);
        Assert.Equal(["0", "1", "local:0"], phys.Pipelines.Select(p => p.LeafId));
        Assert.Equal("id bigint, name string, tag string", DataTypes.ToDdl(phys.OutputSchema).Replace(" NOT NULL", "", StringComparison.Ordinal));
        Assert.All(phys.Pipelines, p => Assert.Equal(DataTypes.ToDdl(phys.OutputSchema), DataTypes.ToDdl(p.OutputSchema)));

        var leftIn = new RecordBatch(phys.Pipelines[0].InputSchema, [Ints(1), Strs("x"), Eval("from_json('{}', 'x INT, tags ARRAY<STRING>')", Batch(("z", Ints(0)))), Timestamps(0)], 1);
        var l = phys.Pipelines[0].Run(leftIn, Ctx);
        Assert.IsType<Int64Array>(l.Column(0));
        Assert.Equal(new object?[] { 1L }, Values(l.Column(0)));
        Assert.Equal(new object?[] { "t" }, Values(l.Column(2)));

        var rightIn = new RecordBatch(phys.Pipelines[1].InputSchema, [Longs(5), Strs("y"), Doubles(1)], 1);
        var r = phys.Pipelines[1].Run(rightIn, Ctx);
        Assert.Equal(["id", "name", "tag"], r.Schema.FieldsList.Select(f => f.Name));
        Assert.Equal(new object?[] { 5L }, Values(r.Column(0)));

        using var reader = new ArrowStreamReader(new MemoryStream(local.ArrowIpc));
        var localBatch = reader.ReadNextRecordBatch();
        var lo = phys.Pipelines[2].Run(localBatch, Ctx);
        Assert.Equal(new object?[] { 7L }, Values(lo.Column(0)));
        Assert.Equal(new object?[] { "loc" }, Values(lo.Column(1)));
    }

    [Fact]
    public void Explode_rename_and_drop_compile_to_operators()
    {
        var plan = new DropColumns(new RenameColumn(new Project(AnalyzerTests.Events, Sel("a", "explode(payload.tags) AS tag")), "tag", "word"), ["a"]);
        var phys = QueryPlanner.Plan(plan, AnalyzerTests.SchemaOf);
        Assert.Equal("word string", DataTypes.ToDdl(phys.OutputSchema));
        var p = Assert.Single(phys.Pipelines);
        var payload = Eval("from_json(v, 'x INT, tags ARRAY<STRING>')", Batch(("v", Strs("{\"tags\":[\"p\",\"q\"]}", "{\"tags\":[]}", "{\"tags\":[\"r\"]}"))));
        var input = new RecordBatch(p.InputSchema, [Ints(1, 2, 3), Strs("a", "b", "c"), payload, Timestamps(0, 0, 0)], 3);
        Assert.Equal(new object?[] { "p", "q", "r" }, Values(p.Run(input, Ctx).Column(0)));
    }

    [Fact]
    public void Unsupported_nodes_and_aggregates_are_named()
    {
        var ex = Assert.Throws<NotSupportedException>(() => QueryPlanner.Plan(new Unknown(AnalyzerTests.Events), AnalyzerTests.SchemaOf));
        Assert.Contains("Unknown", ex.Message);
        var agg = Assert.Throws<NotSupportedException>(() => QueryPlanner.Plan(new Project(AnalyzerTests.Events, Sel("count(*)")), AnalyzerTests.SchemaOf));
        Assert.Contains("count(1)", agg.Message);
        Assert.Throws<AnalysisException>(() => QueryPlanner.Plan(new Project(AnalyzerTests.Events, Sel("zzz")), AnalyzerTests.SchemaOf));
    }
}
