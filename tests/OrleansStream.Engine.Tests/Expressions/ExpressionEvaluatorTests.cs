using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions;
using OrleansStream.Plan.Sql;
using OrleansStream.Plan.Types;
using static OrleansStream.Engine.Tests.Expressions.TestData;

namespace OrleansStream.Engine.Tests.Expressions;

public class ExpressionEvaluatorTests
{
    [Fact]
    public void And_or_not_follow_three_valued_logic()
    {
        // every combination of true, false, null
        bool?[] a = [true, true, true, false, false, false, null, null, null];
        bool?[] b = [true, false, null, true, false, null, true, false, null];
        var batch = Batch(("a", Bools(a)), ("b", Bools(b)));
        Assert.Equal(new object?[] { true, false, null, false, false, false, null, false, null }, Values(Eval("a AND b", batch)));
        Assert.Equal(new object?[] { true, true, true, true, false, null, true, null, null }, Values(Eval("a OR b", batch)));
        Assert.Equal(new object?[] { false, false, false, true, true, true, null, null, null }, Values(Eval("NOT a", batch)));
        Assert.Equal(new object?[] { false, false, false, false, false, false, true, true, true }, Values(Eval("a IS NULL", batch)));
        Assert.Equal(new object?[] { true, true, true, true, true, true, false, false, false }, Values(Eval("a IS NOT NULL", batch)));
        Assert.Equal(new object?[] { true, false, false, false, true, false, false, false, true }, Values(Eval("a <=> b", batch)));
        Assert.Equal(new object?[] { true, false, null, false, true, null, null, null, null }, Values(Eval("a = b", batch)));
    }

    [Fact]
    public void Logic_over_many_rows_with_unaligned_slices()
    {
        var n = 1000;
        var a = Bools(Enumerable.Range(0, n).Select(i => i % 3 == 0 ? (bool?)null : i % 2 == 0).ToArray());
        var b = Bools(Enumerable.Range(0, n).Select(i => i % 5 == 0 ? (bool?)null : i % 7 != 0).ToArray());
        var batch = Batch(("a", a.Slice(3, 500)), ("b", b.Slice(11, 500)));
        var and = Eval("a AND b", batch);
        var or = Eval("a OR b", batch);
        for (var i = 0; i < 500; i++)
        {
            bool? x = a.GetValue(i + 3), y = b.GetValue(i + 11);
            bool? expAnd = x == false || y == false ? false : x is null || y is null ? null : true;
            bool? expOr = x == true || y == true ? true : x is null || y is null ? null : false;
            Assert.Equal(expAnd, Value(and, i));
            Assert.Equal(expOr, Value(or, i));
        }
    }

    [Fact]
    public void Arithmetic_promotes_like_spark()
    {
        var batch = Batch(("i", Ints(7, null, -7, 10)), ("l", Longs(2, 3, 2, 0)), ("d", Doubles(0.5, 1, 2, 4)));
        var sum = Eval("i + l", batch);
        Assert.IsType<Int64Array>(sum);
        Assert.Equal(new object?[] { 9L, null, -5L, 10L }, Values(sum));
        var div = Eval("i / l", batch);
        Assert.IsType<DoubleArray>(div);
        Assert.Equal(new object?[] { 3.5, null, -3.5, null }, Values(div)); // division by zero -> null
        Assert.Equal(new object?[] { 1L, null, -1L, null }, Values(Eval("i % l", batch)));
        Assert.Equal(new object?[] { 3.5, null, -14.0, 40.0 }, Values(Eval("i * d", batch)));
        Assert.Equal(new object?[] { 14, null, -14, 20 }, Values(Eval("i * 2", batch)));
        Assert.Equal(new object?[] { -7, null, 7, -10 }, Values(Eval("-i", batch)));
        Assert.Equal(new object?[] { 8.5m, null, -5.5m, 11.5m }, Values(Eval("i + 1.5", batch)));
        Assert.Equal(new object?[] { int.MinValue }, Values(Eval("i + 1", Batch(("i", Ints(int.MaxValue)))))); // wraps like Spark (non-ANSI)
    }

    [Fact]
    public void Comparisons_on_numbers_strings_booleans_timestamps_dates()
    {
        var t0 = Micros(Utc(2024, 1, 1));
        var batch = Batch(
            ("i", Ints(1, 2, null)),
            ("l", Longs(2, 2, 2)),
            ("s", Strs("apple", "Zebra", "é")),
            ("b", Bools(true, false, true)),
            ("ts", Timestamps(t0, t0 + 1, null)));
        Assert.Equal(new object?[] { true, false, null }, Values(Eval("i < l", batch)));
        Assert.Equal(new object?[] { false, true, null }, Values(Eval("i >= l", batch)));
        // ordinal UTF-8: 'Z' < 'a' < 'é'
        Assert.Equal(new object?[] { true, false, true }, Values(Eval("s > 'Zebra'", batch)));
        Assert.Equal(new object?[] { false, true, false }, Values(Eval("s = 'Zebra'", batch)));
        Assert.Equal(new object?[] { true, true, false }, Values(Eval("s != 'é'", batch)));
        Assert.Equal(new object?[] { false, true, false }, Values(Eval("b < true", batch)));
        Assert.Equal(new object?[] { true, false, null }, Values(Eval("ts = '2024-01-01 00:00:00'", batch)));
        Assert.Equal(new object?[] { false, true, null }, Values(Eval("ts > TIMESTAMP '2024-01-01 00:00:00'", batch)));
        Assert.Equal(new object?[] { true, true, null }, Values(Eval("CAST(ts AS DATE) = DATE '2024-01-01'", batch)));
        Assert.Equal(new object?[] { true, true, true }, Values(Eval("'10' > 9", Batch(("x", Ints(1, 2, 3))))));
    }

    [Fact]
    public void Casts_between_numbers_strings_booleans()
    {
        var batch = Batch(("s", Strs("12", " 7 ", "1.9", "abc", null, "-3", "99999999999")), ("d", Doubles(1.9, -1.9, double.NaN, 1e20, null, 0.5, 3)));
        Assert.Equal(new object?[] { 12, 7, 1, null, null, -3, null }, Values(Eval("CAST(s AS INT)", batch)));
        Assert.Equal(new object?[] { 12L, 7L, 1L, null, null, -3L, 99999999999L }, Values(Eval("CAST(s AS BIGINT)", batch)));
        Assert.Equal(new object?[] { 12.0, 7.0, 1.9, null, null, -3.0, 99999999999.0 }, Values(Eval("CAST(s AS DOUBLE)", batch)));
        Assert.Equal(new object?[] { 1, -1, 0, int.MaxValue, null, 0, 3 }, Values(Eval("CAST(d AS INT)", batch)));
        Assert.Equal(new object?[] { "1.9", "-1.9", "NaN", "1.0E20", null, "0.5", "3.0" }, Values(Eval("CAST(d AS STRING)", batch)));
        Assert.Equal(new object?[] { "12", "13", "14" }, Values(Eval("CAST(i + 10 AS STRING)", Batch(("i", Ints(2, 3, 4))))));
        var bools = Batch(("s", Strs("true", "F", "yes", "0", "maybe")));
        Assert.Equal(new object?[] { true, false, true, false, null }, Values(Eval("CAST(s AS BOOLEAN)", bools)));
        Assert.Equal(new object?[] { "true", "false" }, Values(Eval("CAST(b AS STRING)", Batch(("b", Bools(true, false))))));
        Assert.Equal(new object?[] { 1, 0 }, Values(Eval("CAST(b AS INT)", Batch(("b", Bools(true, false))))));
        Assert.Equal(new object?[] { 12.35m, null }, Values(Eval("CAST(s AS DECIMAL(4,2))", Batch(("s", Strs("12.345", "123.4"))))));
    }

    [Fact]
    public void Casts_to_and_from_timestamp_use_seconds()
    {
        var batch = Batch(("l", Longs(0, 1_700_000_000, -1)), ("d", Doubles(1.5, -0.5, null)));
        Assert.Equal(new object?[] { Utc(1970, 1, 1), Utc(2023, 11, 14, 22, 13, 20), Utc(1969, 12, 31, 23, 59, 59) }, Values(Eval("CAST(l AS TIMESTAMP)", batch)));
        Assert.Equal(new object?[] { Utc(1970, 1, 1).AddMilliseconds(1500), Utc(1969, 12, 31, 23, 59, 59).AddMilliseconds(500), null }, Values(Eval("CAST(d AS TIMESTAMP)", batch)));
        var ts = Batch(("ts", Timestamps(1_500_000, -1, 1_700_000_000_999_999, null)));
        Assert.Equal(new object?[] { 1L, -1L, 1_700_000_000L, null }, Values(Eval("CAST(ts AS LONG)", ts))); // floor
        Assert.Equal(new object?[] { 1.5, -0.000001, 1_700_000_000.999999, null }, Values(Eval("CAST(ts AS DOUBLE)", ts)));
        Assert.Equal(new object?[] { "1970-01-01 00:00:01.5", "1969-12-31 23:59:59.999999", "2023-11-14 22:13:20.999999", null }, Values(Eval("CAST(ts AS STRING)", ts)));
        Assert.Equal(new object?[] { new DateOnly(1970, 1, 1), new DateOnly(1969, 12, 31), new DateOnly(2023, 11, 14), null }, Values(Eval("CAST(ts AS DATE)", ts)));
    }

    [Fact]
    public void Casts_from_string_to_timestamp_and_date()
    {
        var batch = Batch(("s", Strs("2024-03-01 12:34:56", "2024-03-01T12:34:56.123456Z", "2024-03-01", "2024-03-01 12:00:00+02:00", "bad", "2024-13-01", null)));
        Assert.Equal(new object?[]
        {
            Utc(2024, 3, 1, 12, 34, 56), Utc(2024, 3, 1, 12, 34, 56).AddTicks(1_234_560), Utc(2024, 3, 1), Utc(2024, 3, 1, 10, 0, 0), null, null, null,
        }, Values(Eval("CAST(s AS TIMESTAMP)", batch)));
        Assert.Equal(new object?[] { new DateOnly(2024, 3, 1), new DateOnly(2024, 3, 1), new DateOnly(2024, 3, 1), new DateOnly(2024, 3, 1), null, null, null },
            Values(Eval("CAST(s AS DATE)", batch)));
        Assert.Equal(new object?[] { "2024-03-01" }, Values(Eval("CAST(CAST('2024-03-01' AS DATE) AS STRING)", Batch(("x", Ints(1))))));
    }

    [Fact]
    public void Substring_follows_spark_positions()
    {
        var batch = Batch(("s", Strs("hello", "héllo", null, "")));
        Assert.Equal(new object?[] { "ell", "éll", null, "" }, Values(Eval("substring(s, 2, 3)", batch)));
        Assert.Equal(new object?[] { "hel", "hél", null, "" }, Values(Eval("substring(s, 0, 3)", batch))); // 0 acts as 1
        Assert.Equal(new object?[] { "lo", "lo", null, "" }, Values(Eval("substring(s, -2)", batch)));
        Assert.Equal(new object?[] { "", "", null, "" }, Values(Eval("substring(s, -10, 3)", batch))); // end before start
        Assert.Equal(new object?[] { "he", "hé", null, "" }, Values(Eval("substring(s, -10, 7)", batch)));
        Assert.Equal(new object?[] { "", "", null, "" }, Values(Eval("substring(s, 10, 2)", batch)));
        Assert.Equal(new object?[] { "", "", null, "" }, Values(Eval("substring(s, 2, -1)", batch)));
        Assert.Equal(new object?[] { "ello", "éllo", null, "" }, Values(Eval("substr(s, 2)", batch)));
    }

    [Fact]
    public void String_functions()
    {
        var batch = Batch(("s", Strs("  Hello World ", "ÄbC", null)), ("n", Ints(1, 2, 3)));
        Assert.Equal(new object?[] { "  hello world ", "äbc", null }, Values(Eval("lower(s)", batch)));
        Assert.Equal(new object?[] { "  HELLO WORLD ", "ÄBC", null }, Values(Eval("upper(s)", batch)));
        Assert.Equal(new object?[] { 14, 3, null }, Values(Eval("length(s)", batch)));
        Assert.Equal(new object?[] { "Hello World", "ÄbC", null }, Values(Eval("trim(s)", batch)));
        Assert.Equal(new object?[] { "Hello World ", "ÄbC", null }, Values(Eval("ltrim(s)", batch)));
        Assert.Equal(new object?[] { "  Hello World", "ÄbC", null }, Values(Eval("rtrim(s)", batch)));
        Assert.Equal(new object?[] { "x1-", "x2-", "x3-" }, Values(Eval("concat('x', n, '-')", batch)));
        Assert.Equal(new object?[] { "ÄbC!", null }, Values(Eval("concat(s, '!')", batch.Slice(1, 2))));
        Assert.Equal(new object?[] { false, true, null }, Values(Eval("s LIKE 'Ä%'", batch)));
        Assert.Equal(new object?[] { true, false, null }, Values(Eval("s RLIKE 'W.r'", batch)));
    }

    [Fact]
    public void Split_returns_string_arrays_with_java_semantics()
    {
        var batch = Batch(("s", Strs("a b  c", "x,y,,", null, "", "one")));
        var r = Eval("split(s, ' ')", batch);
        Assert.Equal("array<string>", DataTypes.ToDdl(r.Data.DataType));
        Assert.Equal(new List<object?> { "a", "b", "", "c" }, Value(r, 0));
        Assert.Null(Value(r, 2));
        Assert.Equal(new List<object?> { "" }, Value(r, 3));
        Assert.Equal(new List<object?> { "x", "y", "", "" }, Value(Eval("split(s, ',')", batch), 1));
        Assert.Equal(new List<object?> { "a", "b", "c" }, Value(Eval("split(s, ' +')", batch), 0));
        Assert.Equal(new List<object?> { "x", "y,," }, Value(Eval("split(s, ',', 2)", batch), 1));
        Assert.Equal(new List<object?> { "o", "n", "e" }, Value(Eval("split(s, '')", batch), 4));
        Assert.Equal(new List<object?> { "x", "y", "", "" }, Value(Eval("split(s, '[,]')", batch), 1));
    }

    [Fact]
    public void From_json_parses_nested_fields_and_nulls_malformed_rows()
    {
        var batch = Batch(("v", Strs(
            "{\"a\": 1, \"b\": \"x\", \"p\": {\"q\": [1, 2, 3], \"ts\": \"2024-01-01T00:00:00Z\"}, \"extra\": {\"deep\": [1]}}",
            "{\"a\": \"not a number\", \"b\": 5}",
            "{\"a\": 2",
            null,
            "[1, 2]",
            "{\"b\": \"esc\\\"aped\\u00e9\", \"p\": null}")));
        var r = Eval("from_json(v, 'a INT, b STRING, p STRUCT<q: ARRAY<INT>, ts: TIMESTAMP>')", batch);
        Assert.Equal("struct<a:int,b:string,p:struct<q:array<int>,ts:timestamp>>", DataTypes.ToDdl(r.Data.DataType));
        var row0 = (Dictionary<string, object?>)Value(r, 0)!;
        Assert.Equal(1, row0["a"]);
        Assert.Equal("x", row0["b"]);
        var p = (Dictionary<string, object?>)row0["p"]!;
        Assert.Equal(new List<object?> { 1, 2, 3 }, p["q"]);
        Assert.Equal(Utc(2024, 1, 1), p["ts"]);
        var row1 = (Dictionary<string, object?>)Value(r, 1)!;
        Assert.Null(row1["a"]); // mismatched field -> null, the rest kept
        Assert.Equal("5", row1["b"]);
        Assert.Null(Value(r, 2)); // malformed -> null struct
        Assert.Null(Value(r, 3));
        Assert.Null(Value(r, 4)); // not an object
        var row5 = (Dictionary<string, object?>)Value(r, 5)!;
        Assert.Equal("esc\"apedé", row5["b"]);
        Assert.Null(row5["p"]);
        Assert.Null(row5["a"]);
        // nested field access on the parsed struct
        var projected = Eval("from_json(v, 'a INT, p STRUCT<q: ARRAY<INT>>').p.q", batch);
        Assert.Equal(new List<object?> { 1, 2, 3 }, Value(projected, 0));
        Assert.Null(Value(projected, 2));
    }

    [Fact]
    public void To_json_writes_struct_rows()
    {
        var batch = Batch(("v", Strs("{\"a\": 1, \"b\": \"x\"}", "{\"b\": \"y\"}", null)));
        var r = Eval("to_json(from_json(v, 'a INT, b STRING'))", batch);
        Assert.Equal(new object?[] { "{\"a\":1,\"b\":\"x\"}", "{\"b\":\"y\"}", null }, Values(r));
    }

    [Fact]
    public void Struct_access_by_dotted_name_and_get_field()
    {
        var schema = DataTypes.ParseSchema("payload STRUCT<user: STRING, n: INT>");
        var st = (StructType)schema.FieldsList[0].DataType;
        var users = Strs("ann", "bob", "cy");
        var ns = Ints(1, null, 3);
        var validity = new ArrowBuffer.BitmapBuilder().Append(true).Append(true).Append(false).Build();
        var s = new StructArray(st, 3, [users, ns], validity, 1, 0);
        var batch = new RecordBatch(schema, [s], 3);
        Assert.Equal(new object?[] { "ann", "bob", null }, Values(Eval("payload.user", batch))); // null struct -> null field
        Assert.Equal(new object?[] { 1, null, null }, Values(ExpressionEvaluator.Evaluate(new GetField(new ColumnRef("payload"), "n"), batch, Ctx)));
        Assert.Equal(new object?[] { "ANN", "BOB", null }, Values(Eval("upper(payload.user)", batch)));
    }

    [Fact]
    public void Case_when_coalesce_array_and_current_timestamp()
    {
        var batch = Batch(("x", Ints(1, 5, null, 10)), ("y", Longs(null, 2, null, 4)));
        Assert.Equal(new object?[] { "small", "mid", "none", "big" },
            Values(Eval("CASE WHEN x > 5 THEN 'big' WHEN x > 1 THEN 'mid' WHEN x IS NULL THEN 'none' ELSE 'small' END", batch)));
        Assert.Equal(new object?[] { null, 5L, null, 10L }, Values(Eval("CASE WHEN x > 1 THEN x END + 0L", batch)));
        var c = Eval("coalesce(y, x, -1)", batch);
        Assert.IsType<Int64Array>(c);
        Assert.Equal(new object?[] { 1L, 2L, -1L, 4L }, Values(c));
        var arr = Eval("array(x, 7)", batch);
        Assert.Equal(new List<object?> { 1, 7 }, Value(arr, 0));
        Assert.Equal(new List<object?> { null, 7 }, Value(arr, 2));
        var now = Eval("current_timestamp()", batch);
        Assert.All(Values(now), v => Assert.Equal(DateTime.UnixEpoch.AddTicks(Ctx.BatchTimestampMicros * 10), v));
    }

    [Fact]
    public void Unknown_function_and_column_errors()
    {
        var batch = Batch(("a", Ints(1)), ("b", Ints(2)));
        var fn = Assert.Throws<AnalysisException>(() => Eval("frobnicate(a)", batch));
        Assert.Contains("frobnicate", fn.Message);
        var col = Assert.Throws<AnalysisException>(() => Eval("x + 1", batch));
        Assert.Equal("[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter with name `x` cannot be resolved. Did you mean one of the following? [`a`, `b`].", col.Message);
        Assert.Throws<AnalysisException>(() => Eval("count(a)", batch));
    }

    [Fact]
    public void Typer_names_types_and_nullability()
    {
        var schema = DataTypes.ParseSchema("name STRING NOT NULL, amount INT, payload STRUCT<x: BIGINT>, ts TIMESTAMP");
        Field F(string sql) => ExpressionTyper.Resolve(SqlExpressionParser.ParseNamed(sql), schema);
        Assert.Equal(("lower(name)", "string", false), Shape(F("lower(name)")));
        Assert.Equal(("(amount * 2)", "int", true), Shape(F("amount * 2")));
        // A cast of a column keeps the column's name, as Spark's ResolveAliases names it.
        Assert.Equal(("amount", "bigint", true), Shape(F("CAST(amount AS LONG)")));
        Assert.Equal(("x", "bigint", true), Shape(F("payload.x")));
        Assert.Equal(("(amount / 2)", "double", true), Shape(F("amount / 2")));
        Assert.Equal(("total", "bigint", true), Shape(F("amount + payload.x AS total")));
        Assert.Equal(("count(1)", "bigint", false), Shape(F("count(*)")));
        Assert.Equal(("current_timestamp()", "timestamp", false), Shape(F("current_timestamp()")));
        Assert.Equal(("(amount IS NULL)", "boolean", false), Shape(F("amount IS NULL")));
        Assert.Equal("struct<a:int>", DataTypes.ToDdl(F("from_json(name, 'a INT')").DataType));
    }

    private static (string, string, bool) Shape(Field f) => (f.Name, DataTypes.ToDdl(f.DataType), f.IsNullable);
}
