using Apache.Arrow;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Logical;
using OrleansStream.Plan.Sql;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Tests.Planning;

public class AnalyzerTests
{
    internal static readonly SourceRelation Events = new("0", "memory", new Dictionary<string, string>(), null, true);
    internal static readonly SourceRelation Other = new("1", "memory", new Dictionary<string, string>(), null, true);

    internal static Schema SchemaOf(SourceRelation s) => s.SourceId == "0"
        ? DataTypes.ParseSchema("a INT, b STRING, payload STRUCT<x: INT, tags: ARRAY<STRING>>, ts TIMESTAMP")
        : DataTypes.ParseSchema("c BIGINT, d STRING, e DOUBLE");

    private static Expr[] Sel(params string[] s) => s.Select(SqlExpressionParser.ParseNamed).ToArray();

    private static string Ddl(LogicalPlan p) => DataTypes.ToDdl(Analyzer.Analyze(p, SchemaOf));

    [Fact]
    public void Project_expands_stars_struct_stars_and_explode()
    {
        Assert.Equal("a int, b string, payload struct<x:int,tags:array<string>>, ts timestamp", Ddl(new Project(Events, Sel("*"))));
        Assert.Equal("x int, tags array<string>", Ddl(new Project(Events, Sel("payload.*"))));
        Assert.Equal("a int, col string", Ddl(new Project(Events, Sel("a", "explode(payload.tags)"))));
        Assert.Equal("tag string", Ddl(new Project(Events, Sel("explode(payload.tags) AS tag"))));
        // A cast of a column keeps its name (Spark's ResolveAliases); other expressions are named by their SQL text.
        Assert.Equal("(a + 1) int, upper(b) string, ts bigint, CAST(payload.x AS BIGINT) bigint",
            DataTypes.ToDdl(Analyzer.Analyze(new Project(Events, Sel("a + 1", "upper(b)", "CAST(ts AS LONG)", "CAST(payload.x AS LONG)")), SchemaOf)).Replace("`", "", StringComparison.Ordinal));
    }

    [Fact]
    public void Unknown_column_lists_candidates()
    {
        var ex = Assert.Throws<AnalysisException>(() => Analyzer.Analyze(new Project(Events, Sel("nope")), SchemaOf));
        Assert.Equal("[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter with name `nope` cannot be resolved. Did you mean one of the following? [`a`, `b`, `payload`, `ts`].", ex.Message);
        Assert.Throws<AnalysisException>(() => Analyzer.Analyze(new Filter(Events, SqlExpressionParser.Parse("payload.nope = 1")), SchemaOf));
    }

    [Fact]
    public void Filter_must_be_boolean()
    {
        var ex = Assert.Throws<AnalysisException>(() => Analyzer.Analyze(new Filter(Events, new ColumnRef("a")), SchemaOf));
        Assert.Contains("filter expression 'a' of type int is not a boolean", ex.Message);
        Assert.Equal(Ddl(Events), Ddl(new Filter(Events, SqlExpressionParser.Parse("a > 1 AND b IS NOT NULL"))));
    }

    [Fact]
    public void WithColumns_rename_and_drop()
    {
        Assert.Equal("a string, b string, payload struct<x:int,tags:array<string>>, ts timestamp, n bigint",
            Ddl(new WithColumns(Events, ["A", "n"], [new CastExpr(new ColumnRef("a"), "string"), new CastExpr(new ColumnRef("a"), "bigint")])).Replace("A string", "a string", StringComparison.Ordinal));
        Assert.Equal("c bigint, dd string, e double", Ddl(new RenameColumn(Other, "d", "dd")));
        Assert.Equal("c bigint, d string, e double", Ddl(new RenameColumn(Other, "zzz", "dd")));
        Assert.Equal("c bigint", Ddl(new DropColumns(Other, ["d", "E", "missing"])));
    }

    [Fact]
    public void Union_checks_width_and_widens_types()
    {
        var left = new Project(Events, Sel("a", "b"));
        var right = new Project(Other, Sel("c", "d"));
        Assert.Equal("a bigint, b string", Ddl(new Union(left, right)));
        var wide = new Project(Other, Sel("c", "d", "e"));
        var ex = Assert.Throws<AnalysisException>(() => Analyzer.Analyze(new Union(left, wide), SchemaOf));
        Assert.Equal("[NUM_COLUMNS_MISMATCH] UNION can only be performed on inputs with the same number of columns, but the first input has 2 columns and the second input has 3 columns.", ex.Message);
        var bad = new Project(Events, Sel("payload", "b"));
        var ex2 = Assert.Throws<AnalysisException>(() => Analyzer.Analyze(new Union(left, bad), SchemaOf));
        Assert.Contains("[INCOMPATIBLE_COLUMN_TYPE]", ex2.Message);
    }

    [Fact]
    public void Local_relation_schema_comes_from_ipc()
    {
        var local = PlannerTests.Local(("k", Tests.Expressions.TestData.Ints(1, 2)), ("v", Tests.Expressions.TestData.Strs("x", "y")));
        Assert.Equal("k int, v string", Ddl(local));
    }

    [Fact]
    public void Nested_or_multiple_generators_are_rejected()
    {
        Assert.Throws<AnalysisException>(() => Analyzer.Analyze(new Project(Events, Sel("upper(explode(payload.tags))")), SchemaOf));
        Assert.Throws<AnalysisException>(() => Analyzer.Analyze(new Project(Events, Sel("explode(payload.tags)", "explode(payload.tags) AS t2")), SchemaOf));
    }
}
