using OrleansStream.Plan.Sql;
using OrleansStream.Plan.Types;

namespace OrleansStream.Client;

/// <summary>Spark's <c>functions</c>: column builders, SQL expressions and built-in functions.</summary>
public static class Functions
{
    /// <summary>A column by name; "a.b" reaches field b of struct a.</summary>
    public static Column Col(string name) => new(name == "*" ? new Star() : name.EndsWith(".*", StringComparison.Ordinal) ? new Star(name[..^2]) : new ColumnRef(name));
    /// <summary>A column by name (Spark's column()).</summary>
    public static Column Column(string name) => Col(name);
    /// <summary>A literal; a <see cref="Client.Column"/> is returned as is.</summary>
    public static Column Lit(object? value) => value switch
    {
        Column c => c,
        DateTime dt => new(new Literal(dt.Kind == DateTimeKind.Local ? dt.ToUniversalTime() : DateTime.SpecifyKind(dt, DateTimeKind.Utc), "timestamp")),
        DateTimeOffset dto => new(new Literal(dto.UtcDateTime, "timestamp")),
        _ => new(new Literal(value, value is null ? "void" : DataTypes.ToDdl(DataTypes.InferLiteralType(value)))),
    };
    /// <summary>Parses a Spark SQL expression: <c>Expr("amount * 2 > 10")</c>, <c>Expr("from_json(value, 'a INT')")</c>.</summary>
    public static Column Expr(string sql) => new(SqlExpressionParser.Parse(sql));
    /// <summary>CASE WHEN <paramref name="condition"/> THEN <paramref name="value"/>; chain with <see cref="Client.Column.When"/> and <see cref="Client.Column.Otherwise"/>.</summary>
    public static Column When(Column condition, object value) => new(new CaseWhen([new CaseBranch(condition.Expr, Client.Column.Of(value))], null));

    /// <summary>Lower case.</summary>
    public static Column Lower(Column e) => Call("lower", e);
    /// <summary>Upper case.</summary>
    public static Column Upper(Column e) => Call("upper", e);
    /// <summary>Length in characters.</summary>
    public static Column Length(Column e) => Call("length", e);
    /// <summary>Substring from 1-based <paramref name="pos"/>.</summary>
    public static Column Substring(Column e, int pos, int len) => Call("substring", e, Lit(pos), Lit(len));
    /// <summary>Concatenation; null if any input is null.</summary>
    public static Column Concat(params Column[] columns) => Call("concat", columns);
    /// <summary>Splits around matches of the regular expression <paramref name="pattern"/>.</summary>
    public static Column Split(Column e, string pattern) => Call("split", e, Lit(pattern));
    /// <summary>Trims spaces at both ends.</summary>
    public static Column Trim(Column e) => Call("trim", e);
    /// <summary>The first non-null argument.</summary>
    public static Column Coalesce(params Column[] columns) => Call("coalesce", columns);
    /// <summary>An array of the arguments.</summary>
    public static Column Array(params Column[] columns) => Call("array", columns);
    /// <summary>One output row per element of an array (or entry of a map).</summary>
    public static Column Explode(Column e) => Call("explode", e);
    /// <summary>Parses a JSON string column into a struct of the given DDL schema ("a INT, b STRING"); malformed input gives null.</summary>
    public static Column FromJson(Column e, string schemaDdl)
    {
        DataTypes.ParseSchema(schemaDdl);
        return Call("from_json", e, Lit(schemaDdl));
    }
    /// <summary>Writes a struct column as a JSON string.</summary>
    public static Column ToJson(Column e) => Call("to_json", e);
    /// <summary>The epoch's batch timestamp (identical when an epoch is replayed).</summary>
    public static Column CurrentTimestamp() => Call("current_timestamp");

    /// <summary>count(*).</summary>
    public static Column Count() => new(new FunctionCall("count", [new Star()]));
    /// <summary>count of non-null values of a column.</summary>
    public static Column Count(string column) => Call("count", Col(column));
    /// <summary>Sum.</summary>
    public static Column Sum(string column) => Call("sum", Col(column));
    /// <summary>Average.</summary>
    public static Column Avg(string column) => Call("avg", Col(column));
    /// <summary>Minimum.</summary>
    public static Column Min(string column) => Call("min", Col(column));
    /// <summary>Maximum.</summary>
    public static Column Max(string column) => Call("max", Col(column));
    /// <summary>First value.</summary>
    public static Column First(string column) => Call("first", Col(column));
    /// <summary>Last value.</summary>
    public static Column Last(string column) => Call("last", Col(column));
    /// <summary>count of non-null values.</summary>
    public static Column Count(Column column) => Call("count", column);
    /// <summary>Sum.</summary>
    public static Column Sum(Column column) => Call("sum", column);
    /// <summary>Average.</summary>
    public static Column Avg(Column column) => Call("avg", column);
    /// <summary>Minimum.</summary>
    public static Column Min(Column column) => Call("min", column);
    /// <summary>Maximum.</summary>
    public static Column Max(Column column) => Call("max", column);
    /// <summary>First value in arrival order (nulls included, as Spark's default).</summary>
    public static Column First(Column column) => Call("first", column);
    /// <summary>Last value in arrival order (nulls included, as Spark's default).</summary>
    public static Column Last(Column column) => Call("last", column);
    /// <summary>Approximate number of distinct non-null values (HyperLogLog++, relative error 5%).</summary>
    public static Column ApproxCountDistinct(string column) => Call("approx_count_distinct", Col(column));
    /// <summary>Approximate number of distinct non-null values (HyperLogLog++, relative error 5%).</summary>
    public static Column ApproxCountDistinct(Column column) => Call("approx_count_distinct", column);
    /// <summary>Tumbling or sliding event-time window: a struct with start and end.</summary>
    public static Column Window(Column timeColumn, string size, string? slide = null, string? start = null) =>
        Call("window", [timeColumn, Lit(size), .. slide is null ? System.Array.Empty<Column>() : [Lit(slide)], .. start is null ? System.Array.Empty<Column>() : [Lit(start)]]);
    /// <summary>Session window with a fixed gap.</summary>
    public static Column SessionWindow(Column timeColumn, string gap) => Call("session_window", timeColumn, Lit(gap));
    /// <summary>Session window with a per-row gap.</summary>
    public static Column SessionWindow(Column timeColumn, Column gap) => Call("session_window", timeColumn, gap);
    /// <summary>The event time of a window: its end minus one microsecond.</summary>
    public static Column WindowTime(Column window) => Call("window_time", window);

    internal static Column Call(string name, params Column[] args) => new(new FunctionCall(name, args.Select(a => a.Expr).ToArray()));
}
