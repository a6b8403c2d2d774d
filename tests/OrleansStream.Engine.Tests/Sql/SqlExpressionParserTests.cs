using OrleansStream.Engine.Expressions;
using OrleansStream.Plan.Sql;
using Xunit;

namespace OrleansStream.Engine.Tests.Sql;

public class SqlExpressionParserTests
{
    private static Expr P(string s) => SqlExpressionParser.Parse(s);

    private static void Same(Expr expected, Expr actual) =>
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(expected), System.Text.Json.JsonSerializer.Serialize(actual));

    [Fact]
    public void Literals()
    {
        Assert.Equal(new Literal(1, "int"), P("1"));
        Assert.Equal(new Literal(10000000000L, "bigint"), P("10000000000"));
        Assert.Equal(new Literal(5L, "bigint"), P("5L"));
        Assert.Equal(new Literal(1.5m, "decimal(2,1)"), P("1.5"));
        Assert.Equal(new Literal(1500.0, "double"), P("1.5e3"));
        Assert.Equal(new Literal(2.0, "double"), P("2D"));
        Assert.Equal(new Literal("it's", "string"), P("'it\\'s'"));
        Assert.Equal(new Literal("dq", "string"), P("\"dq\""));
        Assert.Equal(new Literal(true, "boolean"), P("TRUE"));
        Assert.Equal(new Literal(false, "boolean"), P("false"));
        Assert.Equal(new Literal(null, "void"), P("NULL"));
        Assert.Equal(new Literal(-3, "int"), P("-3"));
        Assert.Equal(new Literal(new DateOnly(2024, 2, 29), "date"), P("DATE '2024-02-29'"));
    }

    [Fact]
    public void Identifiers_and_stars()
    {
        Assert.Equal(new ColumnRef("a"), P("a"));
        Assert.Equal(new ColumnRef("payload.user"), P("payload.user"));
        Assert.Equal(new ColumnRef("`a.b`"), P("`a.b`"));
        Assert.Equal(new ColumnRef("`a.b`.c"), P("`a.b`.c"));
        Assert.Equal(new ColumnRef("my col"), P("`my col`"));
        Assert.Equal(new Star(), P("*"));
        Assert.Equal(new Star("q"), P("q.*"));
        Assert.Equal(new Star("a.b"), P("a.b.*"));
    }

    [Fact]
    public void Keywords_that_cannot_begin_an_expression_name_columns_as_in_Sparks_default_parser()
    {
        Assert.Equal(new ColumnRef("end"), P("end"));
        Assert.Equal(new ColumnRef("start"), P("start"));
        Assert.Equal(new ColumnRef("window.end"), P("window.end"));
        Assert.Equal(new BinaryExpr(BinaryOp.GreaterThan, new ColumnRef("end"), new ColumnRef("start")), P("end > start"));
        Assert.Equal(new BinaryExpr(BinaryOp.Add, new ColumnRef("from"), new Literal(1, "int")), P("from + 1"));
        Assert.Equal(new Alias(new ColumnRef("window.end"), "end"), SqlExpressionParser.ParseNamed("window.end AS end"));
        Assert.Equal(new Alias(new ColumnRef("end"), "finish"), SqlExpressionParser.ParseNamed("end finish"));
        // Inside CASE the keywords keep their meaning.
        Assert.IsType<CaseWhen>(P("CASE WHEN end > start THEN 1 ELSE 0 END"));
    }

    [Fact]
    public void Arithmetic_precedence_and_associativity()
    {
        var e = P("a + b * c - d / 2 % 3");
        var expected = new BinaryExpr(BinaryOp.Subtract,
            new BinaryExpr(BinaryOp.Add, new ColumnRef("a"), new BinaryExpr(BinaryOp.Multiply, new ColumnRef("b"), new ColumnRef("c"))),
            new BinaryExpr(BinaryOp.Modulo, new BinaryExpr(BinaryOp.Divide, new ColumnRef("d"), new Literal(2, "int")), new Literal(3, "int")));
        Assert.Equal(expected, e);
        Assert.Equal(new BinaryExpr(BinaryOp.Multiply, new BinaryExpr(BinaryOp.Add, new ColumnRef("a"), new ColumnRef("b")), new ColumnRef("c")), P("(a + b) * c"));
        Assert.Equal(new UnaryExpr(UnaryOp.Negate, new ColumnRef("x")), P("-x"));
    }

    [Fact]
    public void Boolean_precedence_not_and_or()
    {
        // NOT binds tighter than AND, AND tighter than OR; comparison tighter than NOT
        var e = P("NOT a = 1 AND b > 2 OR c IS NULL");
        var expected = new BinaryExpr(BinaryOp.Or,
            new BinaryExpr(BinaryOp.And,
                new UnaryExpr(UnaryOp.Not, new BinaryExpr(BinaryOp.Equal, new ColumnRef("a"), new Literal(1, "int"))),
                new BinaryExpr(BinaryOp.GreaterThan, new ColumnRef("b"), new Literal(2, "int"))),
            new UnaryExpr(UnaryOp.IsNull, new ColumnRef("c")));
        Assert.Equal(expected, e);
    }

    [Theory]
    [InlineData("a = 1", BinaryOp.Equal)]
    [InlineData("a == 1", BinaryOp.Equal)]
    [InlineData("a != 1", BinaryOp.NotEqual)]
    [InlineData("a <> 1", BinaryOp.NotEqual)]
    [InlineData("a < 1", BinaryOp.LessThan)]
    [InlineData("a <= 1", BinaryOp.LessThanOrEqual)]
    [InlineData("a > 1", BinaryOp.GreaterThan)]
    [InlineData("a >= 1", BinaryOp.GreaterThanOrEqual)]
    [InlineData("a <=> 1", BinaryOp.EqualNullSafe)]
    public void Comparison_operators(string sql, BinaryOp op)
    {
        Assert.Equal(new BinaryExpr(op, new ColumnRef("a"), new Literal(1, "int")), P(sql));
    }

    [Fact]
    public void Is_not_null_in_between()
    {
        Assert.Equal(new UnaryExpr(UnaryOp.IsNotNull, new ColumnRef("a")), P("a IS NOT NULL"));
        var inList = P("a IN (1, 2)");
        Assert.Equal(new BinaryExpr(BinaryOp.Or,
            new BinaryExpr(BinaryOp.Equal, new ColumnRef("a"), new Literal(1, "int")),
            new BinaryExpr(BinaryOp.Equal, new ColumnRef("a"), new Literal(2, "int"))), inList);
        Assert.IsType<UnaryExpr>(P("a NOT IN (1)"));
        Assert.Equal(new BinaryExpr(BinaryOp.And,
            new BinaryExpr(BinaryOp.GreaterThanOrEqual, new ColumnRef("a"), new Literal(1, "int")),
            new BinaryExpr(BinaryOp.LessThanOrEqual, new ColumnRef("a"), new Literal(5, "int"))), P("a BETWEEN 1 AND 5"));
    }

    [Fact]
    public void Cast_with_ddl_types()
    {
        Assert.Equal(new CastExpr(new ColumnRef("x"), "bigint"), P("CAST(x AS LONG)"));
        Assert.Equal(new CastExpr(new ColumnRef("x"), "int"), P("cast(x as INT)"));
        Assert.Equal(new CastExpr(new ColumnRef("x"), "string"), P("CAST(x AS STRING)"));
        Assert.Equal(new CastExpr(new ColumnRef("x"), "timestamp"), P("CAST(x AS TIMESTAMP)"));
        Assert.Equal(new CastExpr(new ColumnRef("x"), "decimal(10,2)"), P("CAST(x AS DECIMAL(10, 2))"));
        Assert.Equal(new CastExpr(new ColumnRef("x"), "struct<a:int>"), P("CAST(x AS STRUCT<a: INT>)"));
        Assert.Equal(new CastExpr(new ColumnRef("x"), "double"), P("x::double"));
    }

    [Fact]
    public void Case_when()
    {
        var e = Assert.IsType<CaseWhen>(P("CASE WHEN a > 1 THEN 'big' WHEN a = 1 THEN 'one' ELSE 'small' END"));
        Assert.Equal(2, e.Branches.Count);
        Assert.Equal(new Literal("small", "string"), e.Else);
        var simple = Assert.IsType<CaseWhen>(P("CASE a WHEN 1 THEN 'x' END"));
        Assert.Equal(new BinaryExpr(BinaryOp.Equal, new ColumnRef("a"), new Literal(1, "int")), simple.Branches[0].Condition);
        Assert.Null(simple.Else);
    }

    [Fact]
    public void Function_calls()
    {
        var count = Assert.IsType<FunctionCall>(P("count(*)"));
        Assert.Equal("count", count.Name);
        Assert.Equal([new Star()], count.Args);
        var distinct = Assert.IsType<FunctionCall>(P("COUNT(DISTINCT x)"));
        Assert.True(distinct.IsDistinct);
        Assert.Equal([new ColumnRef("x")], distinct.Args);
        var fj = Assert.IsType<FunctionCall>(P("from_json(value, 'a INT, b STRING')"));
        Assert.Equal("from_json", fj.Name);
        Assert.Equal(new Literal("a INT, b STRING", "string"), fj.Args[1]);
        var nested = Assert.IsType<FunctionCall>(P("explode(split(value, ' '))"));
        Assert.IsType<FunctionCall>(nested.Args[0]);
        Same(new FunctionCall("current_timestamp", []), P("current_timestamp()"));
        Same(new FunctionCall("current_timestamp", []), P("CURRENT_TIMESTAMP"));
        Same(new FunctionCall("concat", [new ColumnRef("a"), new ColumnRef("b"), new ColumnRef("c")]), P("a || b || c"));
    }

    [Fact]
    public void ParseNamed_builds_aliases()
    {
        Assert.Equal(new Alias(new BinaryExpr(BinaryOp.Multiply, new ColumnRef("x"), new Literal(2, "int")), "y"), SqlExpressionParser.ParseNamed("x * 2 AS y"));
        Assert.Equal(new Alias(new ColumnRef("x"), "y"), SqlExpressionParser.ParseNamed("x y"));
        Assert.Equal(new Alias(new ColumnRef("x"), "my y"), SqlExpressionParser.ParseNamed("x AS `my y`"));
        Assert.Equal(new ColumnRef("x"), SqlExpressionParser.ParseNamed("x"));
        Same(new Alias(new FunctionCall("explode", [new ColumnRef("arr")]), "word"), SqlExpressionParser.ParseNamed("explode(arr) as word"));
    }

    [Fact]
    public void Syntax_error_names_position_and_text()
    {
        var ex = Assert.Throws<SqlParseException>(() => P("a + (b *)"));
        Assert.IsAssignableFrom<FormatException>(ex);
        Assert.Contains("[PARSE_SYNTAX_ERROR]", ex.Message);
        Assert.Contains("')'", ex.Message);
        Assert.Contains("(position 8)", ex.Message);
        Assert.Contains("'a + (b *)'", ex.Message);
        Assert.Equal(8, ex.Position);
    }

    [Theory]
    [InlineData("a +", "end of input")]
    [InlineData("a b c", "'c'")]
    [InlineData("(a", "end of input")]
    [InlineData("CAST(a AS)", "')'")]
    [InlineData("CASE WHEN a THEN 1", "end of input")]
    [InlineData("f(a,)", "')'")]
    [InlineData("'open", "'open")]
    [InlineData("a # b", "'#'")]
    public void Syntax_errors(string sql, string near)
    {
        var ex = Assert.Throws<SqlParseException>(() => SqlExpressionParser.ParseNamed(sql));
        Assert.Contains(near, ex.Message);
        Assert.Contains("[PARSE_SYNTAX_ERROR]", ex.Message);
    }

    [Fact]
    public void Unknown_cast_type_is_an_error()
    {
        var ex = Assert.Throws<SqlParseException>(() => P("CAST(a AS foo)"));
        Assert.Contains("foo", ex.Message);
    }
}
