using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Tests.Data;
using Xunit;
using static OrleansStream.Engine.Tests.Data.TestData;

namespace OrleansStream.Engine.Tests.Formats;

public class JsonLinesReaderTests
{
    private static readonly Schema Schema = TestData.Schema(
        F("id", Int32Type.Default), F("name", StringType.Default), F("ts", Timestamp), F("score", DoubleType.Default),
        F("ok", BooleanType.Default), F("d", Date32Type.Default),
        F("addr", Struct(F("city", StringType.Default), F("zip", Int64Type.Default))),
        F("tags", List(StringType.Default)), F("attrs", new MapType(StringType.Default, Int32Type.Default)));

    private const string Good =
        "{\"id\":1,\"name\":\"a\\\"b\",\"ts\":\"2024-01-02T03:04:05.123456Z\",\"score\":1.5,\"ok\":true,\"d\":\"2024-02-29\",\"addr\":{\"zip\":75001,\"city\":\"Paris\"},\"tags\":[\"x\",null,\"y\"],\"attrs\":{\"k\":7}}\n" +
        "\n" +
        "{\"id\":2,\"ts\":1700000000,\"extra\":{\"ignored\":[1,2]},\"score\":\"NaN\",\"name\":{\"raw\":1}}\r\n";

    [Fact]
    public void Reads_typed_rows_with_nested_fields_and_missing_fields_as_null()
    {
        using var dir = new TempDir();
        var path = dir.File("a.json", Good);
        var batch = JsonLinesReader.Read(path, Schema, ReaderOptions.Default);
        var rows = ArrowValues.ToRows(batch);
        Assert.Equal(2, rows.Count);
        ArrowValuesTests.AssertRows(
        [
            new object?[] { 1, "a\"b", new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc).AddTicks(1234560), 1.5, true, new DateOnly(2024, 2, 29),
                new object?[] { "Paris", 75001L }, new object?[] { "x", null, "y" }, new Dictionary<object, object?> { ["k"] = 7 } },
            new object?[] { 2, "{\"raw\":1}", DateTimeOffset.FromUnixTimeSeconds(1700000000).UtcDateTime, double.NaN, null, null, null, null, null },
        ], rows);
    }

    [Fact]
    public void Files_read_one_after_another_into_a_reused_array_each_give_only_their_own_rows()
    {
        using var dir = new TempDir();
        var idOnly = TestData.Schema(F("id", Int32Type.Default), F("name", StringType.Default));
        var large = dir.File("large.json", string.Concat(Enumerable.Range(0, 20_000).Select(i => $"{{\"id\":{i},\"name\":\"n{i}\"}}\n")));
        var small = dir.File("small.json", "{\"id\":-1,\"name\":\"last\"}");

        Assert.Equal(20_000, JsonLinesReader.Read(large, idOnly, ReaderOptions.Default).Length);
        // The small file's bytes lie at the start of the array the large one left (the shared pool's, on this thread):
        // its one line, without a newline, must not run on into the large file's bytes.
        ArrowValuesTests.AssertRows([new object?[] { -1, "last" }], ArrowValues.ToRows(JsonLinesReader.Read(small, idOnly, ReaderOptions.Default)));
        Assert.Empty(ArrowValues.ToRows(JsonLinesReader.Read(dir.File("empty.json", ""), idOnly, ReaderOptions.Default)));
    }

    private const string Malformed =
        "{\"id\":1,\"name\":\"ok\"}\n" +
        "{\"id\":\"abc\",\"name\":\"bad type\"}\n" +
        "{\"id\":3,\"name\":\"broken\"\n" +
        "{\"id\":4,\"name\":\"ok2\"}\n";

    private static readonly Schema WithCorrupt = TestData.Schema(F("id", Int32Type.Default), F("name", StringType.Default), F("_corrupt_record", StringType.Default));

    [Fact]
    public void Permissive_keeps_malformed_lines_as_nulls_with_corrupt_record()
    {
        using var dir = new TempDir();
        var path = dir.File("m.json", Malformed);
        var rows = ArrowValues.ToRows(JsonLinesReader.Read(path, WithCorrupt, new ReaderOptions(new Dictionary<string, string> { ["MODE"] = "permissive" })));
        ArrowValuesTests.AssertRows(
        [
            new object?[] { 1, "ok", null },
            new object?[] { null, null, "{\"id\":\"abc\",\"name\":\"bad type\"}" },
            new object?[] { null, null, "{\"id\":3,\"name\":\"broken\"" },
            new object?[] { 4, "ok2", null },
        ], rows);

        // Without the corrupt column the malformed rows are all nulls.
        var plain = ArrowValues.ToRows(JsonLinesReader.Read(path, TestData.Schema(F("id", Int32Type.Default)), ReaderOptions.Default));
        Assert.Equal(new object?[] { 1, null, null, 4 }, plain.Select(r => r[0]));
    }

    [Fact]
    public void DropMalformed_skips_malformed_lines()
    {
        using var dir = new TempDir();
        var path = dir.File("m.json", Malformed);
        var rows = ArrowValues.ToRows(JsonLinesReader.Read(path, WithCorrupt, new ReaderOptions(new Dictionary<string, string> { ["mode"] = "DROPMALFORMED" })));
        ArrowValuesTests.AssertRows([new object?[] { 1, "ok", null }, new object?[] { 4, "ok2", null }], rows);
    }

    [Fact]
    public void FailFast_names_file_and_line()
    {
        using var dir = new TempDir();
        var path = dir.File("m.json", Malformed);
        var e = Assert.Throws<MalformedRecordException>(() => JsonLinesReader.Read(path, WithCorrupt, new ReaderOptions(new Dictionary<string, string> { ["mode"] = "FAILFAST" })));
        Assert.Equal(2, e.LineNumber);
        Assert.Contains(path, e.Message);
        Assert.StartsWith($"Malformed record in file {path} at line 2: field 'id': cannot parse \"abc\" as int", e.Message);
        Assert.EndsWith("(mode FAILFAST)", e.Message);
    }

    [Fact]
    public void Unknown_mode_is_an_argument_error_naming_option_and_value()
    {
        var e = Assert.Throws<ArgumentException>(() => new ReaderOptions(new Dictionary<string, string> { ["mode"] = "LENIENT" }));
        Assert.Contains("'mode'", e.Message);
        Assert.Contains("LENIENT", e.Message);
    }

    [Fact]
    public void InferSchema_is_sorted_with_spark_types()
    {
        using var dir = new TempDir();
        var p1 = dir.File("1.json", "{\"b\":1,\"a\":\"x\",\"n\":null,\"s\":{\"z\":true,\"y\":1}}\n{\"b\":2.5,\"arr\":[1,2]}\n");
        var p2 = dir.File("2.json", "{\"c\":false,\"arr\":[1.5],\"mixed\":1}\n{\"mixed\":\"str\"}\n");
        var schema = JsonLinesReader.InferSchema([p1, p2]);
        Assert.Equal(["a", "arr", "b", "c", "mixed", "n", "s"], schema.FieldsList.Select(f => f.Name));
        Assert.IsType<StringType>(schema.GetFieldByName("a").DataType);
        Assert.IsType<DoubleType>(((ListType)schema.GetFieldByName("arr").DataType).ValueDataType);
        Assert.IsType<DoubleType>(schema.GetFieldByName("b").DataType);
        Assert.IsType<BooleanType>(schema.GetFieldByName("c").DataType);
        Assert.IsType<StringType>(schema.GetFieldByName("mixed").DataType);
        Assert.IsType<StringType>(schema.GetFieldByName("n").DataType);
        var s = (StructType)schema.GetFieldByName("s").DataType;
        Assert.Equal(["y", "z"], s.Fields.Select(f => f.Name));
        Assert.IsType<Int64Type>(s.Fields[0].DataType);

        var bad = dir.File("3.json", "{\"a\":1}\nnot json\n");
        Assert.Contains("_corrupt_record", JsonLinesReader.InferSchema([bad]).FieldsList.Select(f => f.Name));
        Assert.Throws<MalformedRecordException>(() => JsonLinesReader.InferSchema([bad], new ReaderOptions(new Dictionary<string, string> { ["mode"] = "FAILFAST" })));
    }
}
