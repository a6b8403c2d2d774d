using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Operators.Filter;
using OrleansStream.Engine.Operators.Projection;
using OrleansStream.Plan.Sql;
using static OrleansStream.Engine.Tests.Expressions.TestData;

namespace OrleansStream.Engine.Tests.Expressions;

/// <summary>
/// The typed fast paths (constant operands, bitmap comparisons, 128-bit decimals, literal CASE, ASCII length, shared
/// sub-expressions) checked row by row against a plain C# statement of the same semantics, on the shapes where a fast
/// path could diverge: nulls, slices with a non-zero offset, lengths around the 64-row word, empty and all-null input,
/// negative decimals and rounding.
/// </summary>
public class KernelFastPathTests
{
    private static readonly int[] Lengths = [1, 63, 64, 65, 200];

    private static Decimal128Array Decimals(int precision, int scale, params decimal?[] v)
    {
        var b = new Decimal128Array.Builder(new Decimal128Type(precision, scale));
        foreach (var x in v) { if (x is { } y) b.Append(y); else b.AppendNull(); }
        return b.Build();
    }

    private static void AssertDecimal(IArrowArray a, int precision, int scale)
    {
        var t = Assert.IsType<Decimal128Type>(a.Data.DataType);
        Assert.Equal((precision, scale), (t.Precision, t.Scale));
    }

    private static long?[] SomeLongs(int n, int seed)
    {
        var rnd = new Random(seed);
        return Enumerable.Range(0, n).Select(i => i % 7 == 3 ? (long?)null : rnd.Next(-1000, 1000)).ToArray();
    }

    private static double?[] SomeDoubles(int n, int seed)
    {
        var rnd = new Random(seed);
        double[] specials = [double.NaN, 0.0, -0.0, double.PositiveInfinity, double.NegativeInfinity, 2.5];
        return Enumerable.Range(0, n).Select(i => i % 9 == 4 ? (double?)null : i % 5 == 0 ? specials[i % specials.Length] : Math.Round(rnd.NextDouble() * 10 - 5, 1)).ToArray();
    }

    // Spark's order for doubles: NaN = NaN and NaN above everything else
    private static int SparkCompare(double x, double y) =>
        double.IsNaN(x) ? (double.IsNaN(y) ? 0 : 1) : double.IsNaN(y) ? -1 : x < y ? -1 : x > y ? 1 : 0;

    private static bool Holds(string op, int cmp) => op switch
    {
        "=" => cmp == 0,
        "!=" => cmp != 0,
        "<" => cmp < 0,
        "<=" => cmp <= 0,
        ">" => cmp > 0,
        _ => cmp >= 0,
    };

    private static readonly string[] Ops = ["=", "!=", "<", "<=", ">", ">="];

    [Fact]
    public void Long_comparisons_with_a_constant_on_either_side_match_row_semantics_on_slices()
    {
        foreach (var n in Lengths)
        {
            var all = SomeLongs(n + 5, n);
            var column = Longs(all).Slice(5, n);
            var batch = Batch(("x", column));
            foreach (var op in Ops)
            {
                var right = Eval($"x {op} 17", batch);
                var left = Eval($"17 {op} x", batch);
                var nullConstant = Eval($"x {op} CAST(NULL AS BIGINT)", batch);
                for (var i = 0; i < n; i++)
                {
                    var x = all[i + 5];
                    Assert.Equal(x is { } v ? Holds(op, v.CompareTo(17L)) : null, (bool?)Value(right, i));
                    Assert.Equal(x is { } w ? Holds(op, 17L.CompareTo(w)) : null, (bool?)Value(left, i));
                    Assert.Null(Value(nullConstant, i));
                }
            }
        }
    }

    [Fact]
    public void Double_comparisons_order_nan_above_everything_and_equal_zeros()
    {
        foreach (var n in Lengths)
        {
            var xs = SomeDoubles(n + 3, n);
            var ys = SomeDoubles(n + 3, n + 100);
            var batch = Batch(("x", Doubles(xs).Slice(3, n)), ("y", Doubles(ys).Slice(1, n)));
            foreach (var op in Ops)
            {
                var columns = Eval($"x {op} y", batch);
                var nan = Eval($"x {op} CAST('NaN' AS DOUBLE)", batch);
                var zero = Eval($"x {op} -0.0D", batch);
                for (var i = 0; i < n; i++)
                {
                    var x = xs[i + 3];
                    var y = ys[i + 1];
                    Assert.Equal(x is { } a && y is { } b ? Holds(op, SparkCompare(a, b)) : null, (bool?)Value(columns, i));
                    Assert.Equal(x is { } c ? Holds(op, SparkCompare(c, double.NaN)) : null, (bool?)Value(nan, i));
                    Assert.Equal(x is { } d ? Holds(op, SparkCompare(d, -0.0)) : null, (bool?)Value(zero, i));
                }
            }
        }
    }

    [Fact]
    public void Null_safe_equality_with_a_constant_still_treats_null_as_a_value()
    {
        var batch = Batch(("x", Longs(1, null, 3)));
        Assert.Equal(new object?[] { false, true, false }, Values(Eval("x <=> NULL", batch)));
        Assert.Equal(new object?[] { false, false, true }, Values(Eval("3 <=> x", batch)));
    }

    [Fact]
    public void Arithmetic_with_a_constant_matches_row_semantics()
    {
        foreach (var n in Lengths)
        {
            var all = SomeLongs(n + 2, n);
            var batch = Batch(("x", Longs(all).Slice(2, n)));
            var plus = Eval("x + 5", batch);
            var minusLeft = Eval("5 - x", batch);
            var times = Eval("x * 3", batch);
            var mod = Eval("x % 7", batch);
            var modLeft = Eval("1000 % x", batch);
            var byZero = Eval("x % 0", batch);
            var byNull = Eval("x * NULL", batch);
            var half = Eval("x * 0.5D", batch);
            for (var i = 0; i < n; i++)
            {
                var x = all[i + 2];
                Assert.Equal(x + 5, (long?)Value(plus, i));
                Assert.Equal(5 - x, (long?)Value(minusLeft, i));
                Assert.Equal(x * 3, (long?)Value(times, i));
                Assert.Equal(x % 7, (long?)Value(mod, i));
                Assert.Equal(x is 0 ? null : 1000 % x, (long?)Value(modLeft, i));
                Assert.Null(Value(byZero, i));
                Assert.Null(Value(byNull, i));
                Assert.Equal(x * 0.5, (double?)Value(half, i));
            }
        }
    }

    [Fact]
    public void Integer_division_edge_cases_by_a_constant()
    {
        var batch = Batch(("x", Longs(long.MinValue, -7, 7, null)), ("i", Ints(int.MinValue, -7, 7, null)));
        Assert.Equal(new object?[] { 0L, 0L, 0L, null }, Values(Eval("x % -1", batch)));
        Assert.Equal(new object?[] { -2L, -1L, 1L, null }, Values(Eval("x % 3", batch)));
        Assert.Equal(new object?[] { 0, 0, 0, null }, Values(Eval("i % -1", batch)));
        Assert.Equal(new object?[] { -2, -1, 1, null }, Values(Eval("i % 3", batch)));
        Assert.Equal(new object?[] { int.MinValue / 2.0, -3.5, 3.5, null }, Values(Eval("i / 2", batch)));
        Assert.Equal(new object?[] { null, null, null, null }, Values(Eval("i / 0", batch)));
        Assert.Equal(new object?[] { null, null, null, null }, Values(Eval("CAST(i AS DOUBLE) % 0", batch)));
        Assert.Equal(new object?[] { -0.5, -1.0, 1.0, null }, Values(Eval("CAST(i AS DOUBLE) % 1.5D", batch)));
    }

    [Fact]
    public void Constant_on_all_null_and_empty_columns()
    {
        var nulls = Batch(("x", Longs(null, null, null)));
        Assert.Equal(new object?[] { null, null, null }, Values(Eval("x + 1", nulls)));
        Assert.Equal(new object?[] { null, null, null }, Values(Eval("x > 1", nulls)));
        Assert.Equal(new object?[] { null, null, null }, Values(Eval("x * 1.5", nulls)));
        var empty = Batch(("x", Longs()));
        Assert.Empty(Values(Eval("x % 3 = 0", empty)));
        Assert.Empty(Values(Eval("x * 0.908 > 1", empty)));
        Assert.Empty(Values(Eval("CASE WHEN x > 1 THEN 'a' ELSE 'b' END", empty)));
    }

    [Fact]
    public void Decimal_times_decimal_constant_is_exact_with_negatives_and_nulls()
    {
        long?[] prices = [0, 1, -1, 999_999, -1_234_567, long.MaxValue, long.MinValue, null, 12_345_678_901];
        var batch = Batch(("p", Longs(prices).Slice(0, prices.Length)));
        var product = Eval("p * 0.908", batch);
        AssertDecimal(product, 24, 3);
        for (var i = 0; i < prices.Length; i++)
            Assert.Equal(prices[i] is { } p ? p * 0.908m : null, (decimal?)Value(product, i));
        var sums = Eval("p + 0.25", batch);
        for (var i = 0; i < prices.Length; i++)
            Assert.Equal(prices[i] is { } p ? p + 0.25m : null, (decimal?)Value(sums, i));
        var differences = Eval("1.5 - p", batch);
        for (var i = 0; i < prices.Length; i++)
            Assert.Equal(prices[i] is { } p ? 1.5m - p : null, (decimal?)Value(differences, i));
    }

    [Fact]
    public void Decimal_column_arithmetic_overflows_to_null_and_compares_by_value()
    {
        // decimal(5,2) + decimal(5,2) is decimal(6,2); * is decimal(11,4)
        decimal?[] a = [999.99m, -999.99m, 0.01m, null, -0.5m, 123.45m];
        decimal?[] b = [999.99m, -0.01m, -0.01m, 1m, null, -123.45m];
        var batch = Batch(("a", Decimals(5, 2, a)), ("b", Decimals(5, 2, b)));
        var sum = Eval("a + b", batch);
        AssertDecimal(sum, 6, 2);
        var product = Eval("a * b", batch);
        AssertDecimal(product, 11, 4);
        var less = Eval("a < b", batch);
        var greater = Eval("a > 100", batch);
        for (var i = 0; i < a.Length; i++)
        {
            Assert.Equal(a[i] + b[i], (decimal?)Value(sum, i));
            Assert.Equal(a[i] * b[i], (decimal?)Value(product, i));
            Assert.Equal(a[i] is { } x && b[i] is { } y ? x < y : null, (bool?)Value(less, i));
            Assert.Equal(a[i] is { } z ? z > 100 : null, (bool?)Value(greater, i));
        }
        // decimal(2,1) + decimal(2,1) is decimal(3,1): 9.9 + 9.9 fits; CAST to decimal(2,1) does not
        var small = Batch(("a", Decimals(2, 1, 9.9m, -9.9m, 1.2m)));
        Assert.Equal(new object?[] { 19.8m, -19.8m, 2.4m }, Values(Eval("a + a", small)));
        Assert.Equal(new object?[] { null, null, 2.4m }, Values(Eval("CAST(a + a AS DECIMAL(2,1))", small)));
    }

    [Fact]
    public void Decimal_casts_round_half_away_from_zero_and_null_on_overflow()
    {
        decimal?[] v = [1.005m, -1.005m, 1.0049m, -1.0049m, 99.995m, -99.995m, null, 0m, -0.005m];
        var batch = Batch(("d", Decimals(10, 4, v).Slice(0, v.Length)));
        var rounded = Eval("CAST(d AS DECIMAL(4,2))", batch);
        for (var i = 0; i < v.Length; i++)
        {
            decimal? expected = v[i] is { } x ? Math.Round(x, 2, MidpointRounding.AwayFromZero) : null;
            if (expected is { } e && Math.Abs(e) >= 100m) expected = null;
            Assert.Equal(expected, (decimal?)Value(rounded, i));
        }
        var widened = Eval("CAST(d AS DECIMAL(20,8))", batch);
        Assert.Equal(v.Select(x => (object?)x).ToArray(), Values(widened));
        var narrowInts = Eval("CAST(x AS DECIMAL(3,1))", Batch(("x", Longs(99, 100, -99, -100, null))));
        Assert.Equal(new object?[] { 99m, null, -99m, null, null }, Values(narrowInts));
        var wideInts = Eval("CAST(x AS DECIMAL(38,0))", Batch(("x", Longs(long.MaxValue, long.MinValue))));
        Assert.Equal(new object?[] { (decimal)long.MaxValue, (decimal)long.MinValue }, Values(wideInts));
    }

    [Fact]
    public void Decimal_negation_and_sliced_decimal_columns()
    {
        decimal?[] v = [1.5m, -2.25m, null, 0m, 12345.67m];
        var sliced = Decimals(9, 2, v).Slice(1, 4);
        var batch = Batch(("d", sliced));
        Assert.Equal(new object?[] { 2.25m, null, 0m, -12345.67m }, Values(Eval("-d", batch)));
        Assert.Equal(new object?[] { -4.5m, null, 0m, 24691.34m }, Values(Eval("d * 2", batch)));
        Assert.Equal(new object?[] { true, null, false, false }, Values(Eval("d < 0", batch)));
    }

    [Fact]
    public void Case_with_string_literals_matches_the_general_path()
    {
        foreach (var n in Lengths)
        {
            var all = SomeLongs(n + 4, n);
            var batch = Batch(("x", Longs(all).Slice(4, n)));
            var withElse = Eval("CASE WHEN x > 100 THEN 'big' WHEN x < -100 THEN 'négatif' ELSE 'small' END", batch);
            var noElse = Eval("CASE WHEN x > 100 THEN 'big' WHEN x IS NULL THEN NULL END", batch);
            var nullElse = Eval("CASE WHEN x % 2 = 0 THEN '' ELSE NULL END", batch);
            for (var i = 0; i < n; i++)
            {
                var x = all[i + 4];
                Assert.Equal(x > 100 ? "big" : x < -100 ? "négatif" : "small", Value(withElse, i));
                Assert.Equal(x > 100 ? "big" : null, Value(noElse, i));
                Assert.Equal(x % 2 == 0 ? "" : null, Value(nullElse, i));
            }
        }
    }

    [Fact]
    public void Integral_columns_with_double_constants_convert_like_the_cast()
    {
        var batch = Batch(("i", Ints(3, null, int.MinValue, -1).Slice(0, 4)), ("l", Longs(long.MaxValue, 1, null, -3)));
        Assert.Equal(new object?[] { -0.5, null, 2.5 - int.MinValue, 3.5 }, Values(Eval("2.5D - i", batch)));
        Assert.Equal(new object?[] { (double)long.MaxValue * 0.908, 0.908, null, -3 * 0.908 }, Values(Eval("l * 0.908D", batch)));
        Assert.Equal(new object?[] { (double)long.MaxValue + 0.25, 1.25, null, -2.75 }, Values(Eval("0.25D + l", batch)));
        Assert.Equal(new object?[] { null, null, null, null }, Values(Eval("l * CAST(NULL AS DOUBLE)", batch)));
    }

    [Fact]
    public void Long_columns_with_double_constants_match_the_row_by_row_conversion_at_every_length()
    {
        // Lane by lane where the machine converts longs in vectors, row by row in the tail: both round as (double)x does,
        // past 2^53 too, and keep the operands' order (a constant on the left of a minus).
        foreach (var n in Lengths)
        {
            var all = SomeLongs(n + 3, n).Select((v, i) => v is { } x && i % 5 == 1 ? x * 100_000_000_000_003L : v).ToArray();
            var batch = Batch(("l", Longs(all).Slice(3, n)));
            var times = Eval("l * 0.908D", batch);
            var plus = Eval("l + 0.1D", batch);
            var minus = Eval("0.3D - l", batch);
            for (var i = 0; i < n; i++)
            {
                var x = all[i + 3];
                Assert.Equal(x is { } a ? (double)a * 0.908 : null, Value(times, i));
                Assert.Equal(x is { } b ? (double)b + 0.1 : null, Value(plus, i));
                Assert.Equal(x is { } c ? 0.3 - (double)c : null, Value(minus, i));
            }
        }
    }

    [Fact]
    public void Case_with_long_literals_and_sliced_conditions()
    {
        var longText = new string('é', 20) + "-long";
        var flags = Bools(Enumerable.Range(0, 150).Select(i => i % 13 == 0 ? (bool?)null : i % 3 == 0).ToArray()).Slice(7, 140);
        var result = Eval($"CASE WHEN f THEN '{longText}' WHEN NOT f THEN 'no' END", Batch(("f", flags)));
        for (var i = 0; i < 140; i++)
        {
            var j = i + 7;
            Assert.Equal(j % 13 == 0 ? null : j % 3 == 0 ? longText : "no", Value(result, i));
        }
    }

    [Fact]
    public void Case_that_mixes_literal_types_keeps_the_general_path()
    {
        var batch = Batch(("x", Longs(1, 2, null)));
        Assert.Equal(new object?[] { "1", "two", null }, Values(Eval("CASE WHEN x = 1 THEN 1 WHEN x = 2 THEN 'two' END", batch)));
        Assert.Equal(new object?[] { null, null, null }, Values(Eval("CASE WHEN x = 1 THEN NULL END", batch)));
    }

    [Fact]
    public void Length_counts_characters_with_and_without_ascii()
    {
        string?[] ascii = ["", "a", "hello", null, new string('x', 100)];
        string?[] mixed = ["é", "naïve", null, "日本語", "ascii", "😀"];
        var a = Eval("length(s)", Batch(("s", Strs(ascii).Slice(1, 4))));
        Assert.Equal(new object?[] { 1, 5, null, 100 }, Values(a));
        var m = Eval("length(s)", Batch(("s", Strs(mixed))));
        Assert.Equal(new object?[] { 1, 5, null, 3, 5, 1 }, Values(m));
        // a slice of the ASCII part of a mixed buffer
        var tail = Eval("length(s)", Batch(("s", Strs(mixed).Slice(4, 1))));
        Assert.Equal(new object?[] { 5 }, Values(tail));
    }

    [Fact]
    public void Repeated_sub_expressions_are_shared_but_distinct_literals_are_not()
    {
        var batch = Batch(("d", Doubles(1.5, -2, null)), ("x", Longs(86_399, 86_400, 172_801)));
        var projection = new ProjectOperator(
        [
            SqlExpressionParser.ParseNamed("d * 0.0D AS pos"),
            SqlExpressionParser.ParseNamed("d * -0.0D AS neg"),
            SqlExpressionParser.ParseNamed("x % 86400 AS m"),
            SqlExpressionParser.ParseNamed("CASE WHEN x % 86400 >= 1 AND x % 86400 < 86399 THEN 'in' ELSE 'out' END AS c"),
        ], batch.Schema);
        var result = projection.Process(batch, Ctx);
        var pos = (DoubleArray)result.Column(0);
        var neg = (DoubleArray)result.Column(1);
        Assert.False(double.IsNegative(pos.GetValue(0)!.Value));
        Assert.True(double.IsNegative(neg.GetValue(0)!.Value));
        Assert.True(double.IsNegative(pos.GetValue(1)!.Value));
        Assert.False(double.IsNegative(neg.GetValue(1)!.Value));
        Assert.Equal(new object?[] { 86_399L, 0L, 1L }, Values(result.Column(2)));
        Assert.Equal(new object?[] { "out", "out", "in" }, Values(result.Column(3)));
    }

    [Fact]
    public void Expression_keys_compare_structure_and_literal_bits()
    {
        var c = ExprKeyComparer.Instance;
        var a = SqlExpressionParser.Parse("CAST(ts AS LONG) % 86400 >= 28800");
        var b = SqlExpressionParser.Parse("CAST(ts AS LONG) % 86400 >= 28800");
        Assert.True(c.Equals(a, b));
        Assert.Equal(c.GetHashCode(a), c.GetHashCode(b));
        Assert.False(c.Equals(new Literal(0.0, "double"), new Literal(-0.0, "double")));
        Assert.False(c.Equals(new Literal(1.0m, "decimal(3,1)"), new Literal(1.00m, "decimal(3,1)")));
        Assert.False(c.Equals(new Literal(1, "int"), new Literal(1L, "int")));
        Assert.True(c.Equals(new Literal(double.NaN, "double"), new Literal(double.NaN, "double")));
        Assert.True(c.Equals(new FunctionCall("length", [new ColumnRef("s")]), new FunctionCall("length", [new ColumnRef("s")])));
        Assert.False(c.Equals(new FunctionCall("length", [new ColumnRef("s")]), new FunctionCall("length", [new ColumnRef("t")])));
    }

    [Fact]
    public void Filter_on_a_sliced_batch_with_null_predicates_keeps_true_rows_only()
    {
        var n = 300;
        var all = SomeLongs(n + 9, 42);
        var names = Strs(Enumerable.Range(0, n + 9).Select(i => i % 11 == 0 ? null : "row" + i).ToArray());
        var batch = Batch(("x", Longs(all).Slice(9, n)), ("s", names.Slice(9, n)));
        var filter = new FilterOperator(SqlExpressionParser.Parse("x % 3 = 0 AND x > -500"), batch.Schema);
        var expected = Enumerable.Range(0, n).Where(i => all[i + 9] is { } v && v % 3 == 0 && v > -500).ToArray();
        for (var run = 0; run < 2; run++)
        {
            var result = filter.Process(batch, Ctx);
            Assert.Equal(expected.Length, result.Length);
            Assert.Equal(expected.Select(i => (object?)all[i + 9]).ToArray(), Values(result.Column(0)));
            Assert.Equal(expected.Select(i => (object?)((i + 9) % 11 == 0 ? null : "row" + (i + 9))).ToArray(), Values(result.Column(1)));
        }
    }

    [Theory]
    [InlineData("i % 7 = 3 OR d > 100.5")]
    [InlineData("dec * 1.5 > 20 AND dec < 5000")]
    [InlineData("s LIKE 'user1%' OR length(s) > 7")]
    [InlineData("upper(s) = 'USER42' OR s = 'é'")]
    [InlineData("CAST(ts AS LONG) % 86400 >= 28800")]
    [InlineData("st.a > 10 AND st.b IS NOT NULL")]
    [InlineData("CASE WHEN i > 5000 THEN 'hi' ELSE s END = 'hi'")]
    [InlineData("coalesce(i, l) % 5 = 0")]
    [InlineData("to_json(array(i, l)) LIKE '%1]'")]
    [InlineData("abs(i - 5000) < 100 AND NOT (s <=> 'user3')")]
    public void Filter_slices_give_the_same_rows_as_the_whole_batch(string predicate)
    {
        var batch = WideBatch();
        var sliced = new FilterOperator(SqlExpressionParser.Parse(predicate), batch.Schema).Process(batch, Ctx);
        var whole = new FilterOperator(SqlExpressionParser.Parse(predicate), batch.Schema, int.MaxValue).Process(batch, Ctx);
        Assert.True(whole.Length > 0);
        Assert.Equal(whole.Length, sliced.Length);
        for (var c = 0; c < whole.ColumnCount; c++) Assert.Equal(Values(whole.Column(c)), Values(sliced.Column(c)));
    }

    [Fact]
    public void Filter_slices_of_a_sliced_struct_column_pick_the_right_rows()
    {
        var result = new FilterOperator(SqlExpressionParser.Parse("st.a > 10 AND st.b IS NOT NULL"), WideBatch().Schema).Process(WideBatch(), Ctx);
        var expected = Enumerable.Range(37, 10_000).Where(i => i % 17 != 0 && i % 5 != 0 && i % 30 > 10).ToArray();
        Assert.Equal(expected.Select(i => (object?)(i % 10 == 0 ? null : i)).ToArray(), Values(result.Column(0)));
    }

    /// <summary>10,000 rows of many types (nulls in each, a struct from JSON) whose columns are slices at offset 37.</summary>
    private static RecordBatch WideBatch()
    {
        const int n = 10_037;
        var rows = Enumerable.Range(0, n).ToArray();
        var source = Batch(
            ("i", Ints(rows.Select(i => i % 10 == 0 ? (int?)null : i).ToArray())),
            ("l", Longs(rows.Select(i => i % 4 == 0 ? (long?)null : i * 3L).ToArray())),
            ("d", Doubles(rows.Select(i => i % 11 == 0 ? (double?)null : i * 0.25 - 1000).ToArray())),
            ("dec", Decimals(10, 2, rows.Select(i => i % 9 == 0 ? (decimal?)null : (i - 5000) * 1.25m).ToArray())),
            ("s", Strs(rows.Select(i => i % 7 == 0 ? null : i % 50 == 1 ? "é" : "user" + (i % 1000)).ToArray())),
            ("ts", Timestamps(rows.Select(i => i % 13 == 0 ? (long?)null : 1_700_000_000_000_000L + i * 7_777_000_000L).ToArray())),
            ("js", Strs(rows.Select(i => i % 17 == 0 ? null : i % 5 == 0 ? "{\"a\": " + (i % 30) + "}" : "{\"a\": " + (i % 30) + ", \"b\": \"v" + i + "\"}").ToArray())));
        var withStruct = new ProjectOperator(
            new[] { "i", "l", "d", "dec", "s", "ts", "from_json(js, 'a INT, b STRING') AS st" }.Select(SqlExpressionParser.ParseNamed).ToList(),
            source.Schema).Process(source, Ctx);
        var columns = Enumerable.Range(0, withStruct.ColumnCount).Select(c => ArrowArrayFactory.Slice(withStruct.Column(c), 37, n - 37)).ToList();
        return new RecordBatch(withStruct.Schema, columns, n - 37);
    }
}
