using System.Text;
using System.Text.Unicode;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Tests.Data;
using Xunit;
using static OrleansStream.Engine.Tests.Data.TestData;

namespace OrleansStream.Engine.Tests.Formats;

/// <summary>
/// Records that System.Text.Json cannot decode (invalid UTF-8, lone surrogate escapes), overlong values and values that
/// overflow their type are malformed records like any other: the mode decides, and FAILFAST names file and line.
/// </summary>
public class JsonPoisonRecordTests
{
    private static readonly Schema WithCorrupt = TestData.Schema(F("id", Int32Type.Default), F("amount", DoubleType.Default),
        F("ts", Timestamp), F("name", StringType.Default), F("_corrupt_record", StringType.Default));

    private const string First = "{\"id\":1,\"amount\":2.5,\"ts\":\"2024-01-02T03:04:05Z\",\"name\":\"a\"}";
    private const string Last = "{\"id\":3,\"amount\":3.5}";

    /// <summary>Bad lines as Latin-1 text: each char below 256 is one byte, so "\u00FF" is the invalid UTF-8 byte 0xFF.</summary>
    public static TheoryData<string, string> BadLines => new()
    {
        { "invalid UTF-8 inside a quoted number", "{\"id\":2,\"amount\":\"1\u00FF5\"}" },
        { "invalid UTF-8 inside a timestamp", "{\"id\":2,\"ts\":\"2024-01-0\u00FF\"}" },
        { "invalid UTF-8 inside an escaped timestamp", "{\"id\":2,\"ts\":\"2024\\u002D01-0\u00FF\"}" },
        { "invalid UTF-8 inside a string", "{\"id\":2,\"name\":\"d\u00FFe\"}" },
        { "invalid UTF-8 inside an escaped string", "{\"id\":2,\"name\":\"\\\"d\u00FFe\"}" },
        { "invalid UTF-8 inside a key", "{\"id\":2,\"na\u00FFme\":\"x\"}" },
        { "invalid UTF-8 inside an unknown field", "{\"id\":2,\"other\":\"\u00FF\"}" },
        { "overlong UTF-8 encoding", "{\"id\":2,\"name\":\"ov\u00C0\u00AFer\"}" },
        { "truncated UTF-8 sequence", "{\"id\":2,\"name\":\"\u00E4\"}" },
        { "lone surrogate escape in a string", "{\"id\":2,\"name\":\"\\uD800\"}" },
        { "lone surrogate escape in a timestamp", "{\"id\":2,\"ts\":\"\\uDC00\"}" },
        { "integer too large for a timestamp", "{\"id\":2,\"ts\":99999999999999999}" },
    };

    [Theory]
    [MemberData(nameof(BadLines))]
    public void Permissive_keeps_the_bad_record_as_nulls_with_its_text_in_corrupt_record(string what, string bad)
    {
        using var dir = new TempDir();
        var path = Write(dir, bad);
        var batch = JsonLinesReader.Read(path, WithCorrupt, ReaderOptions.Default);

        var rows = ArrowValues.ToRows(batch);
        Assert.True(3 == rows.Count, what);
        Assert.Equal([1, null, 3], rows.Select(r => r[0]));
        Assert.Equal(new object?[] { null, null, null, null }, rows[1][..4]);
        // Invalid sequences become U+FFFD, as Spark shows them; the column stays valid UTF-8.
        Assert.Equal(Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(bad)), rows[1][4]);
        AssertValidUtf8(batch);
    }

    [Theory]
    [MemberData(nameof(BadLines))]
    public void DropMalformed_drops_only_the_bad_record(string what, string bad)
    {
        using var dir = new TempDir();
        var path = Write(dir, bad);
        var rows = ArrowValues.ToRows(JsonLinesReader.Read(path, WithCorrupt, Mode("DROPMALFORMED")));
        Assert.True(rows.Select(r => r[0]).SequenceEqual([1, 3]), what);
    }

    [Theory]
    [MemberData(nameof(BadLines))]
    public void FailFast_names_file_and_line(string what, string bad)
    {
        using var dir = new TempDir();
        var path = Write(dir, bad);
        var e = Assert.Throws<MalformedRecordException>(() => JsonLinesReader.Read(path, WithCorrupt, Mode("FAILFAST")));
        Assert.True(e.LineNumber == 2, what);
        Assert.StartsWith($"Malformed record in file {path} at line 2: ", e.Message);
    }

    [Theory]
    [MemberData(nameof(BadLines))]
    public void Permissive_without_a_corrupt_column_nulls_every_field(string what, string bad)
    {
        using var dir = new TempDir();
        var path = Write(dir, bad);
        var schema = TestData.Schema(F("id", Int32Type.Default), F("amount", DoubleType.Default), F("ts", Timestamp), F("name", StringType.Default));
        var rows = ArrowValues.ToRows(JsonLinesReader.Read(path, schema, ReaderOptions.Default));
        Assert.True(rows.Select(r => r[0]).SequenceEqual([1, null, 3]), what);
    }

    public static TheoryData<string, string> OverlongValues => new()
    {
        { "string in a double column", "{\"amount\":\"" + new string('7', 1_000_000) + "x\"}" },
        { "string in a timestamp column", "{\"ts\":\"" + new string('7', 1_000_000) + "\"}" },
        { "number too large for an int", "{\"id\":" + new string('7', 1_000_000) + "}" },
        { "string in an int column", "{\"id\":\"" + new string('7', 1_000_000) + "\"}" },
    };

    [Theory]
    [MemberData(nameof(OverlongValues))]
    public void FailFast_quotes_a_short_excerpt_of_an_overlong_value(string what, string bad)
    {
        using var dir = new TempDir();
        var path = Write(dir, bad);
        var e = Assert.Throws<MalformedRecordException>(() => JsonLinesReader.Read(path, WithCorrupt, Mode("FAILFAST")));
        Assert.True(e.Message.Length < 400, $"{what}: message of {e.Message.Length} characters");
        Assert.StartsWith($"Malformed record in file {path} at line 2: ", e.Message);
        Assert.Contains(new string('7', 100) + "...", e.Message);
        Assert.Matches(@"\(1[ ,]?00[0-9][ ,]?00[0-9] (characters|bytes)\)", e.Message);
    }

    [Fact]
    public void FailFast_reports_where_the_invalid_UTF8_is()
    {
        using var dir = new TempDir();
        var path = Write(dir, "{\"id\":2,\"amount\":\"1\u00FF5\"}");
        var e = Assert.Throws<MalformedRecordException>(() => JsonLinesReader.Read(path, WithCorrupt, Mode("FAILFAST")));
        Assert.Equal($"Malformed record in file {path} at line 2: invalid UTF-8 (byte 0xFF) at offset 19 of the record (mode FAILFAST)", e.Message);
    }

    [Fact]
    public void A_lone_surrogate_escape_in_an_unknown_key_is_ignored_with_its_field()
    {
        using var dir = new TempDir();
        var path = Write(dir, "{\"id\":2,\"\\uD800\":\"x\"}");
        var rows = ArrowValues.ToRows(JsonLinesReader.Read(path, WithCorrupt, Mode("FAILFAST")));
        Assert.Equal([1, 2, 3], rows.Select(r => r[0]));
    }

    [Theory]
    [InlineData("{\"a\u00FF\":1}")]
    [InlineData("{\"a\":\"\u00FF\"}")]
    public void InferSchema_treats_undecodable_records_as_malformed(string bad)
    {
        using var dir = new TempDir();
        var path = Write(dir, bad);
        var schema = JsonLinesReader.InferSchema([path]);
        Assert.Equal(["_corrupt_record", "amount", "id", "name", "ts"], schema.FieldsList.Select(f => f.Name));
        var e = Assert.Throws<MalformedRecordException>(() => JsonLinesReader.InferSchema([path], Mode("FAILFAST")));
        Assert.Equal(2, e.LineNumber);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void InferSchema_leaves_out_a_field_whose_name_does_not_decode()
    {
        using var dir = new TempDir();
        var path = Write(dir, "{\"\\uD800\":1,\"extra\":true}");
        var schema = JsonLinesReader.InferSchema([path], Mode("FAILFAST"));
        Assert.Equal(["amount", "extra", "id", "name", "ts"], schema.FieldsList.Select(f => f.Name));
    }

    private static string Write(TempDir dir, string badLine)
    {
        var path = System.IO.Path.Combine(dir.Path, "poison.json");
        File.WriteAllBytes(path, Encoding.Latin1.GetBytes(First + "\n" + badLine + "\n" + Last + "\n"));
        return path;
    }

    private static ReaderOptions Mode(string mode) => new(new Dictionary<string, string> { ["mode"] = mode });

    private static void AssertValidUtf8(RecordBatch batch)
    {
        foreach (var column in batch.Arrays.OfType<StringArray>())
            Assert.True(Utf8.IsValid(column.ValueBuffer.Span[..column.ValueOffsets[column.Length]]), "a string column holds invalid UTF-8");
    }
}
