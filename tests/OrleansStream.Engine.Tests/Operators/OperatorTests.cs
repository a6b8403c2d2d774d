using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Engine.Operators.Filter;
using OrleansStream.Engine.Operators.Generate;
using OrleansStream.Engine.Operators.Projection;
using OrleansStream.Plan.Sql;
using OrleansStream.Plan.Types;
using static OrleansStream.Engine.Tests.Expressions.TestData;

namespace OrleansStream.Engine.Tests.Operators;

public class OperatorTests
{
    private static Expr[] Select(params string[] items) => items.Select(SqlExpressionParser.ParseNamed).ToArray();

    [Fact]
    public void Filter_then_project_over_10k_rows_with_nulls()
    {
        const int n = 10_000;
        int? Id(int i) => i % 10 == 0 ? null : i;
        string? Name(int i) => i % 7 == 0 ? null : "user" + (i % 100);
        double? Amount(int i) => i % 13 == 0 ? null : i * 0.5;
        var batch = Batch(
            ("id", Ints(Enumerable.Range(0, n).Select(Id).ToArray())),
            ("name", Strs(Enumerable.Range(0, n).Select(Name).ToArray())),
            ("amount", Doubles(Enumerable.Range(0, n).Select(Amount).ToArray())));

        var filter = new FilterOperator(SqlExpressionParser.Parse("id % 3 = 1 AND amount > 100"), batch.Schema);
        var filtered = filter.Process(batch, Ctx);
        var expectedRows = Enumerable.Range(0, n).Where(i => Id(i) is { } id && id % 3 == 1 && Amount(i) is > 100).ToArray();
        Assert.Equal(expectedRows.Length, filtered.Length);
        Assert.Equal(expectedRows.Select(i => (object?)Id(i)), Values(filtered.Column(0)));
        Assert.Equal(expectedRows.Select(i => (object?)Name(i)), Values(filtered.Column(1)));

        var project = new ProjectOperator(Select("id", "upper(name) AS name", "amount * 2", "CAST(id AS STRING) id_s"), filter.OutputSchema);
        Assert.Equal(["id", "name", "(amount * 2)", "id_s"], project.OutputSchema.FieldsList.Select(f => f.Name));
        var projected = project.Process(filtered, Ctx);
        Assert.Equal(expectedRows.Length, projected.Length);
        Assert.Equal(expectedRows.Select(i => (object?)Name(i)?.ToUpperInvariant()), Values(projected.Column(1)));
        Assert.Equal(expectedRows.Select(i => (object?)(Amount(i) * 2)), Values(projected.Column(2)));
        Assert.Equal(expectedRows.Select(i => (object?)Id(i)!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)), Values(projected.Column(3)));
    }

    [Fact]
    public void Filter_drops_null_predicates_and_keeps_all_or_none()
    {
        var batch = Batch(("x", Ints(1, null, 3)), ("s", Strs("a", "b", null)));
        var some = new FilterOperator(SqlExpressionParser.Parse("x > 1 OR s = 'a'"), batch.Schema).Process(batch, Ctx);
        Assert.Equal(new object?[] { 1, 3 }, Values(some.Column(0)));
        var all = new FilterOperator(SqlExpressionParser.Parse("true"), batch.Schema).Process(batch, Ctx);
        Assert.Equal(3, all.Length);
        var none = new FilterOperator(SqlExpressionParser.Parse("x > 100"), batch.Schema).Process(batch, Ctx);
        Assert.Equal(0, none.Length);
        Assert.Equal(2, none.ColumnCount);
        var ex = Assert.Throws<AnalysisException>(() => new FilterOperator(SqlExpressionParser.Parse("x + 1"), batch.Schema));
        Assert.Contains("filter expression '(x + 1)' of type int is not a boolean", ex.Message);
    }

    [Fact]
    public void Take_handles_every_type_including_nested()
    {
        var batch = Batch(("v", Strs("{\"a\":1,\"l\":[1,2],\"m\":{\"k\":1.5},\"d\":1.25,\"b\":true}", null, "{\"a\":3,\"l\":[],\"m\":{},\"d\":2.5,\"b\":false}")));
        var s = Eval("from_json(v, 'a INT, l ARRAY<INT>, m MAP<STRING, DOUBLE>, d DECIMAL(5,2), b BOOLEAN')", batch);
        var taken = TakeKernel.Take(s, [2, 0, -1, 1, 0]);
        Assert.Equal(5, taken.Length);
        var row0 = (Dictionary<string, object?>)Value(taken, 0)!;
        Assert.Equal(3, row0["a"]);
        Assert.Equal(new List<object?>(), row0["l"]);
        Assert.Equal(2.5m, row0["d"]);
        Assert.Equal(false, row0["b"]);
        var row1 = (Dictionary<string, object?>)Value(taken, 1)!;
        Assert.Equal(new List<object?> { 1, 2 }, row1["l"]);
        Assert.Equal(1.5, ((Dictionary<object, object?>)row1["m"]!)["k"]);
        Assert.Null(Value(taken, 2));
        Assert.Null(Value(taken, 3));
        Assert.Equal(Value(taken, 1), Value(taken, 4));
        var ts = Timestamps(1, null, 3);
        Assert.Equal(new object?[] { DateTime.UnixEpoch.AddTicks(30), null }, Values(TakeKernel.Take(ts, [2, 1])));
        Assert.Equal(new object?[] { "b", null }, Values(TakeKernel.Take(Strs("a", "b", "c").Slice(1, 2), [0, -1])));
        Assert.Equal(new object?[] { true, null, false }, Values(TakeKernel.Take(Bools(false, true, null, false), [1, 2, 3])));
    }

    [Fact]
    public void Explode_array_repeats_other_columns_and_drops_null_or_empty()
    {
        var batch = Batch(("id", Ints(1, 2, 3, 4)), ("line", Strs("a b", null, "", "c")));
        var op = new GenerateOperator(Select("id", "explode(split(line, ' ')) AS word"), batch.Schema);
        Assert.Equal("id int, word string", DataTypes.ToDdl(op.OutputSchema).Replace(" NOT NULL", "", StringComparison.Ordinal));
        var r = op.Process(batch, Ctx);
        // split('') = [''] -> one row with empty word; null line -> dropped
        Assert.Equal(new object?[] { 1, 1, 3, 4 }, Values(r.Column(0)));
        Assert.Equal(new object?[] { "a", "b", "", "c" }, Values(r.Column(1)));

        var arrays = Batch(("id", Ints(1, 2, 3)), ("v", Strs("[1,2]", "[]", null)));
        var parsed = new ProjectOperator(Select("id", "from_json(v, 'array<int>') AS xs"), arrays.Schema);
        var withArrays = parsed.Process(arrays, Ctx);
        var explode = new GenerateOperator(Select("explode(xs)", "id"), parsed.OutputSchema);
        Assert.Equal(["col", "id"], explode.OutputSchema.FieldsList.Select(f => f.Name));
        var e = explode.Process(withArrays, Ctx);
        Assert.Equal(new object?[] { 1, 2 }, Values(e.Column(0)));
        Assert.Equal(new object?[] { 1, 1 }, Values(e.Column(1)));
        var outer = new GenerateOperator(Select("id", "explode_outer(xs)"), parsed.OutputSchema).Process(withArrays, Ctx);
        Assert.Equal(new object?[] { 1, 1, 2, 3 }, Values(outer.Column(0)));
        Assert.Equal(new object?[] { 1, 2, null, null }, Values(outer.Column(1)));
    }

    [Fact]
    public void Explode_map_yields_key_and_value()
    {
        var batch = Batch(("v", Strs("{\"a\":1,\"b\":2}", "{}", "{\"c\":3}")));
        var parsed = new ProjectOperator(Select("from_json(v, 'map<string,int>') AS m"), batch.Schema);
        var op = new GenerateOperator(Select("explode(m)"), parsed.OutputSchema);
        Assert.Equal(["key", "value"], op.OutputSchema.FieldsList.Select(f => f.Name));
        var r = op.Process(parsed.Process(batch, Ctx), Ctx);
        Assert.Equal(new object?[] { "a", "b", "c" }, Values(r.Column(0)));
        Assert.Equal(new object?[] { 1, 2, 3 }, Values(r.Column(1)));
    }

    [Fact]
    public void Project_expands_stars_and_struct_stars()
    {
        var batch = Batch(("v", Strs("{\"x\":1,\"y\":\"a\"}")), ("k", Ints(9)));
        var parsed = new ProjectOperator(Select("from_json(v, 'x INT, y STRING') AS p", "k"), batch.Schema);
        var data = parsed.Process(batch, Ctx);
        var star = new ProjectOperator(Select("*"), parsed.OutputSchema);
        Assert.Equal(["p", "k"], star.OutputSchema.FieldsList.Select(f => f.Name));
        var flat = new ProjectOperator(Select("p.*", "k"), parsed.OutputSchema);
        Assert.Equal(["x", "y", "k"], flat.OutputSchema.FieldsList.Select(f => f.Name));
        var r = flat.Process(data, Ctx);
        Assert.Equal(new object?[] { 1 }, Values(r.Column(0)));
        Assert.Equal(new object?[] { "a" }, Values(r.Column(1)));
        Assert.IsType<StructType>(star.Process(data, Ctx).Column(0).Data.DataType);
    }

    [Fact]
    public void Empty_batches_flow_through_every_operator()
    {
        var schema = DataTypes.ParseSchema("id INT, line STRING");
        var empty = new RecordBatch(schema, [Ints(), Strs()], 0);
        var project = new ProjectOperator(Select("upper(line) AS u", "split(line, ' ') AS parts", "id + 1"), schema);
        var p = project.Process(empty, Ctx);
        Assert.Equal(0, p.Length);
        Assert.Equal(3, p.ColumnCount);
        Assert.Equal(0, new FilterOperator(SqlExpressionParser.Parse("id > 1"), schema).Process(empty, Ctx).Length);
        var g = new GenerateOperator(Select("id", "explode(split(line, ' '))"), schema).Process(empty, Ctx);
        Assert.Equal(0, g.Length);
        Assert.Equal(2, g.ColumnCount);
    }
}
