using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Tests.Data;
using Xunit;
using static OrleansStream.Engine.Tests.Data.TestData;

namespace OrleansStream.Engine.Tests.Formats;

/// <summary>
/// Spark's JsonParsingOptionsSuite (sql/core/.../execution/datasources/json/JsonParsingOptionsSuite.scala), ported test by
/// test with its inputs and expectations: <c>spark.read.option(...).json(Seq(str).toDS())</c> is a one-line file whose
/// schema is inferred and then read, with the same options. Then what the same options do elsewhere in the reader.
/// </summary>
public class JsonParsingOptionsTests
{
    [Fact]
    public void AllowComments_off()
    {
        var (schema, _) = SparkReadJson("{'name': /* hello */ 'Reynold Xin'}");
        Assert.Equal("_corrupt_record", schema.FieldsList[0].Name);
    }

    [Fact]
    public void AllowComments_on()
    {
        var (schema, rows) = SparkReadJson("{'name': /* hello */ 'Reynold Xin'}", ("allowComments", "true"));
        Assert.Equal("name", schema.FieldsList[0].Name);
        Assert.Equal("Reynold Xin", rows[0][0]);
    }

    [Fact]
    public void AllowSingleQuotes_off()
    {
        var (schema, _) = SparkReadJson("{'name': 'Reynold Xin'}", ("allowSingleQuotes", "false"));
        Assert.Equal("_corrupt_record", schema.FieldsList[0].Name);
    }

    [Fact]
    public void AllowSingleQuotes_on()
    {
        var (schema, rows) = SparkReadJson("{'name': 'Reynold Xin'}");
        Assert.Equal("name", schema.FieldsList[0].Name);
        Assert.Equal("Reynold Xin", rows[0][0]);
    }

    [Fact]
    public void AllowUnquotedFieldNames_off()
    {
        var (schema, _) = SparkReadJson("{name: 'Reynold Xin'}");
        Assert.Equal("_corrupt_record", schema.FieldsList[0].Name);
    }

    [Fact]
    public void AllowUnquotedFieldNames_on()
    {
        var (schema, rows) = SparkReadJson("{name: 'Reynold Xin'}", ("allowUnquotedFieldNames", "true"));
        Assert.Equal("name", schema.FieldsList[0].Name);
        Assert.Equal("Reynold Xin", rows[0][0]);
    }

    // Spark's Scala source writes "a\u0001b" inside a triple-quoted string, where the escape is the character U+0001 itself.
    [Fact]
    public void AllowUnquotedControlChars_off()
    {
        var (schema, _) = SparkReadJson("{\"name\": \"a\u0001b\"}");
        Assert.Equal("_corrupt_record", schema.FieldsList[0].Name);
    }

    [Fact]
    public void AllowUnquotedControlChars_on()
    {
        var (schema, rows) = SparkReadJson("{\"name\": \"a\u0001b\"}", ("allowUnquotedControlChars", "true"));
        Assert.Equal("name", schema.FieldsList[0].Name);
        Assert.Equal("a\u0001b", rows[0][0]);
    }

    [Fact]
    public void AllowNumericLeadingZeros_off()
    {
        var (schema, _) = SparkReadJson("{\"age\": 0018}");
        Assert.Equal("_corrupt_record", schema.FieldsList[0].Name);
    }

    [Fact]
    public void AllowNumericLeadingZeros_on()
    {
        var (schema, rows) = SparkReadJson("{\"age\": 0018}", ("allowNumericLeadingZeros", "true"));
        Assert.Equal("age", schema.FieldsList[0].Name);
        Assert.Equal(18L, rows[0][0]);
    }

    [Fact]
    public void AllowNonNumericNumbers_off()
    {
        const string str = "{\"age\": NaN}";
        var (schema, rows) = SparkReadJson(str, ("allowNonNumericNumbers", "false"));
        AssertSchema(schema, ("_corrupt_record", StringType.Default));
        ArrowValuesTests.AssertRows([new object?[] { str }], rows);
    }

    [Fact]
    public void AllowNonNumericNumbers_on()
    {
        var (schema, rows) = SparkReadJson(
            "{\"c0\":NaN, \"c1\":+INF, \"c2\":+Infinity, \"c3\":Infinity, \"c4\":-INF, \"c5\":-Infinity}", ("allowNonNumericNumbers", "true"));
        AssertSchema(schema, ("c0", DoubleType.Default), ("c1", DoubleType.Default), ("c2", DoubleType.Default),
            ("c3", DoubleType.Default), ("c4", DoubleType.Default), ("c5", DoubleType.Default));
        ArrowValuesTests.AssertRows([new object?[] { double.NaN, double.PositiveInfinity, double.PositiveInfinity, double.PositiveInfinity,
            double.NegativeInfinity, double.NegativeInfinity }], rows);
    }

    [Fact]
    public void AllowBackslashEscapingAnyCharacter_off()
    {
        var (schema, _) = SparkReadJson("{\"name\": \"Cazen Lee\", \"price\": \"\\$10\"}", ("allowBackslashEscapingAnyCharacter", "false"));
        Assert.Equal("_corrupt_record", schema.FieldsList[0].Name);
    }

    [Fact]
    public void AllowBackslashEscapingAnyCharacter_on()
    {
        var (schema, rows) = SparkReadJson("{\"name\": \"Cazen Lee\", \"price\": \"\\$10\"}", ("allowBackslashEscapingAnyCharacter", "true"));
        Assert.Equal("name", schema.FieldsList[0].Name);
        Assert.Equal("price", schema.FieldsList[^1].Name);
        Assert.Equal("Cazen Lee", rows[0][0]);
        Assert.Equal("$10", rows[0][1]);
    }

    // An earlier version of the suite (Spark 2.x) read these with an explicit double schema; its "on" half still holds.
    public static TheoryData<string, double> NonNumericWithSchema => new()
    {
        { "{\"age\": NaN}", double.NaN }, { "{\"age\": Infinity}", double.PositiveInfinity },
        { "{\"age\": +Infinity}", double.PositiveInfinity }, { "{\"age\": -Infinity}", double.NegativeInfinity },
        { "{\"age\": +INF}", double.PositiveInfinity }, { "{\"age\": -INF}", double.NegativeInfinity },
        { "{\"age\": \"NaN\"}", double.NaN }, { "{\"age\": \"Infinity\"}", double.PositiveInfinity },
        { "{\"age\": \"-Infinity\"}", double.NegativeInfinity },
    };

    [Theory]
    [MemberData(nameof(NonNumericWithSchema))]
    public void AllowNonNumericNumbers_on_with_a_double_schema(string str, double expected)
    {
        var rows = Read(str, TestData.Schema(F("age", DoubleType.Default)), ("allowNonNumericNumbers", "true"));
        Assert.Equal(expected, (double)rows[0][0]!);
    }

    [Theory]
    [InlineData("{\"age\": NaN}")]
    [InlineData("{\"age\": Infinity}")]
    [InlineData("{\"age\": +Infinity}")]
    [InlineData("{\"age\": -Infinity}")]
    [InlineData("{\"age\": INF}")]
    [InlineData("{\"age\": +INF}")]
    [InlineData("{\"age\": -INF}")]
    public void AllowNonNumericNumbers_off_makes_bare_tokens_corrupt(string str)
    {
        var (schema, _) = SparkReadJson(str, ("allowNonNumericNumbers", "false"));
        Assert.Equal("_corrupt_record", schema.FieldsList[0].Name);
    }

    // Spark's JacksonParser takes the quoted words for float and double only with allowNonNumericNumbers (the Spark 2.x
    // suite expected them with it off; Spark's parser has since asked for the option), and only these words.
    [Theory]
    [InlineData("true", "\"NaN\"", double.NaN)]
    [InlineData("true", "\"+INF\"", double.PositiveInfinity)]
    [InlineData("true", "\"-INF\"", double.NegativeInfinity)]
    [InlineData("true", "\"INF\"", null)]
    [InlineData("true", "\"inf\"", null)]
    [InlineData("true", "\"-Inf\"", null)]
    [InlineData("false", "\"NaN\"", null)]
    [InlineData("false", "\"Infinity\"", null)]
    public void Quoted_non_numeric_numbers_follow_the_option(string allow, string value, double? expected)
    {
        var rows = Read("{\"age\": " + value + "}", TestData.Schema(F("age", DoubleType.Default), F("_corrupt_record", StringType.Default)),
            ("allowNonNumericNumbers", allow));
        Assert.Equal(expected, (double?)rows[0][0]);
        Assert.Equal(expected is null, rows[0][1] is not null);
    }

    [Fact]
    public void A_lone_surrogate_escape_in_a_double_column_is_malformed()
    {
        var rows = Read("{\"age\": \"\\uD800\"}", TestData.Schema(F("age", DoubleType.Default), F("_corrupt_record", StringType.Default)));
        ArrowValuesTests.AssertRows([new object?[] { null, "{\"age\": \"\\uD800\"}" }], rows);
    }

    [Fact]
    public void Unsigned_INF_is_not_a_number_even_with_the_option_on()
    {
        // Jackson reads INF only after a sign.
        var (schema, _) = SparkReadJson("{\"age\": INF}", ("allowNonNumericNumbers", "true"));
        Assert.Equal("_corrupt_record", schema.FieldsList[0].Name);
    }

    [Fact]
    public void Inference_types_bare_NaN_as_double_and_quoted_NaN_as_string()
    {
        var (schema, rows) = SparkReadJson("{\"a\": NaN, \"b\": \"NaN\", \"c\": [1.5, -Infinity]}");
        AssertSchema(schema, ("a", DoubleType.Default), ("b", StringType.Default), ("c", TestData.List(DoubleType.Default)));
        Assert.Equal(double.NaN, rows[0][0]);
        Assert.Equal("NaN", rows[0][1]);
        Assert.Equal(new object?[] { 1.5, double.NegativeInfinity }, (object?[])rows[0][2]!);
    }

    [Fact]
    public void Options_are_case_insensitive_and_checked()
    {
        var (schema, _) = SparkReadJson("{'name': 'x'}", ("ALLOWSINGLEQUOTES", "FALSE"));
        Assert.Equal("_corrupt_record", schema.FieldsList[0].Name);
        var e = Assert.Throws<ArgumentException>(() => new ReaderOptions(new Dictionary<string, string> { ["allowComments"] = "yes" }));
        Assert.Contains("allowComments", e.Message);
        Assert.Contains("yes", e.Message);
        Assert.True(ReaderOptions.Default.AllowSingleQuotes && ReaderOptions.Default.AllowNonNumericNumbers);
        Assert.False(ReaderOptions.Default.AllowComments || ReaderOptions.Default.AllowUnquotedFieldNames || ReaderOptions.Default.AllowNumericLeadingZeros
            || ReaderOptions.Default.AllowBackslashEscapingAnyCharacter || ReaderOptions.Default.AllowUnquotedControlChars);
    }

    [Fact]
    public void Single_quoted_strings_hold_double_quotes_and_escaped_single_quotes()
    {
        var rows = Read("{'a': 'say \"hi\"', \"b\": \"it\\'s\", 'c': 'it\\'s \\u0041'}",
            TestData.Schema(F("a", StringType.Default), F("b", StringType.Default), F("c", StringType.Default), F("_corrupt_record", StringType.Default)));
        ArrowValuesTests.AssertRows([new object?[] { "say \"hi\"", "it's", "it's A", null }], rows);
    }

    [Fact]
    public void A_string_column_keeps_a_nested_value_as_written_in_the_file()
    {
        // Spark copies the raw text of a non-string value read as a string.
        var rows = Read("{'s': {'k': [NaN, 'v']}, 'n': 'x', \"z\": 0018}",
            TestData.Schema(F("s", StringType.Default), F("n", StringType.Default), F("z", StringType.Default)), ("allowNumericLeadingZeros", "true"));
        ArrowValuesTests.AssertRows([new object?[] { "{'k': [NaN, 'v']}", "x", "0018" }], rows);
    }

    [Fact]
    public void A_malformed_line_keeps_its_text_as_written_and_FailFast_names_file_line_and_position_in_it()
    {
        using var dir = new TempDir();
        const string bad = "{'id': 'x', 'n': NaN, \"b\": }";
        var path = dir.File("m.json", "{\"id\": 'a'}\n" + bad + "\n{'id': 'c'}\n");
        var schema = TestData.Schema(F("id", StringType.Default), F("n", DoubleType.Default), F("_corrupt_record", StringType.Default));
        var rows = ArrowValues.ToRows(JsonLinesReader.Read(path, schema, ReaderOptions.Default));
        ArrowValuesTests.AssertRows([new object?[] { "a", null, null }, [null, null, bad], ["c", null, null]], rows);

        var e = Assert.Throws<MalformedRecordException>(() => JsonLinesReader.Read(path, schema, Options(("mode", "FAILFAST"))));
        Assert.Equal(2, e.LineNumber);
        Assert.StartsWith($"Malformed record in file {path} at line 2: invalid JSON: ", e.Message);
        Assert.Contains($"BytePositionInLine: {bad.IndexOf('}', StringComparison.Ordinal)}.", e.Message);
    }

    [Fact]
    public void A_value_of_the_wrong_type_names_a_bare_NaN_without_quotes()
    {
        using var dir = new TempDir();
        var path = dir.File("m.json", "{\"n\": NaN}\n");
        var e = Assert.Throws<MalformedRecordException>(() => JsonLinesReader.Read(path, TestData.Schema(F("n", Int64Type.Default)), Options(("mode", "FAILFAST"))));
        Assert.Contains("field 'n': cannot parse NaN as bigint", e.Message);
    }

    [Fact]
    public void Comments_and_unquoted_names_and_leading_zeros_together()
    {
        var (schema, rows) = SparkReadJson("/* a */ {id: 007, // rest\n", ("allowComments", "true"), ("allowUnquotedFieldNames", "true"),
            ("allowNumericLeadingZeros", "true"));
        // The // comment runs to the end of the line, so the object is not closed: malformed, as in Jackson.
        Assert.Equal("_corrupt_record", schema.FieldsList[0].Name);
        (schema, rows) = SparkReadJson("/* a */ {id: -007 /* b */, $x_1: [00, 0.5e007] } // end", ("allowComments", "true"),
            ("allowUnquotedFieldNames", "true"), ("allowNumericLeadingZeros", "true"));
        AssertSchema(schema, ("$x_1", TestData.List(DoubleType.Default)), ("id", Int64Type.Default));
        Assert.Equal(new object?[] { 0.0, 5e6 }, (object?[])rows[0][0]!);
        Assert.Equal(-7L, rows[0][1]);
    }

    [Fact]
    public void Every_line_of_a_file_in_Spark_syntax_and_standard_lines_after_it_are_read()
    {
        using var dir = new TempDir();
        var lines = Enumerable.Range(0, 1000).Select(i => i % 3 == 2 ? $"{{\"id\": {i}, \"v\": {i}.5}}" : $"{{'id': {i}, 'v': {(i % 2 == 0 ? "NaN" : "-Infinity")}}}");
        var path = dir.File("many.json", string.Join("\n", lines) + "\n");
        var o = ReaderOptions.Default;
        var schema = JsonLinesReader.InferSchema([path], o);
        AssertSchema(schema, ("id", Int64Type.Default), ("v", DoubleType.Default));
        var rows = ArrowValues.ToRows(JsonLinesReader.Read(path, schema, o));
        Assert.Equal(1000, rows.Count);
        for (int i = 0; i < 1000; i++)
        {
            Assert.Equal((long)i, rows[i][0]);
            Assert.Equal(i % 3 == 2 ? i + 0.5 : i % 2 == 0 ? double.NaN : double.NegativeInfinity, rows[i][1]);
        }
    }

    private static ReaderOptions Options(params (string Name, string Value)[] options) =>
        new(options.ToDictionary(o => o.Name, o => o.Value));

    /// <summary><c>spark.read.options(options).json(Seq(str).toDS())</c>: the schema inferred, then the rows read.</summary>
    private static (Schema Schema, IReadOnlyList<object?[]> Rows) SparkReadJson(string str, params (string Name, string Value)[] options)
    {
        using var dir = new TempDir();
        var path = dir.File("part-0.json", str + "\n");
        var o = Options(options);
        var schema = JsonLinesReader.InferSchema([path], o);
        return (schema, ArrowValues.ToRows(JsonLinesReader.Read(path, schema, o)));
    }

    private static IReadOnlyList<object?[]> Read(string str, Schema schema, params (string Name, string Value)[] options)
    {
        using var dir = new TempDir();
        var path = dir.File("part-0.json", str + "\n");
        return ArrowValues.ToRows(JsonLinesReader.Read(path, schema, Options(options)));
    }

    private static void AssertSchema(Schema schema, params (string Name, IArrowType Type)[] expected) =>
        Assert.Equal(expected.Select(f => (f.Name, f.Type.Name)), schema.FieldsList.Select(f => (f.Name, f.DataType.Name)));
}
