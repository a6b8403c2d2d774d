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

/// <summary>CSV values that do not decode or do not fit their type are malformed records; FAILFAST quotes a short excerpt.</summary>
public class CsvPoisonRecordTests
{
    private static readonly Schema WithCorrupt = Schema(F("id", Int32Type.Default), F("amount", new Decimal128Type(38, 18)),
        F("ts", new TimestampType(TimeUnit.Nanosecond, "UTC")), F("name", StringType.Default), F("_corrupt_record", StringType.Default));

    /// <summary>Bad lines as Latin-1 text: each char below 256 is one byte, so "\u00FF" is the invalid UTF-8 byte 0xFF.</summary>
    public static TheoryData<string, string> BadLines => new()
    {
        { "invalid UTF-8 inside a number", "2\u00FF,,," },
        { "a decimal beyond 128 bits at its scale", "2,1e25,," },
        { "a timestamp beyond nanosecond range", "2,,2400-01-01 00:00:00," },
    };

    [Theory]
    [MemberData(nameof(BadLines))]
    public void Every_mode_is_honoured(string what, string bad)
    {
        using var dir = new TempDir();
        var path = Write(dir, "1,1.5,,a\n" + bad + "\n3,,,c\n");

        var permissive = CsvReader.Read(path, WithCorrupt, ReaderOptions.Default);
        var rows = ArrowValues.ToRows(permissive);
        Assert.True(rows.Select(r => r[0]).SequenceEqual([1, null, 3]), what);
        Assert.Equal(Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(bad)), rows[1][4]);
        AssertValidUtf8(permissive);

        var dropped = ArrowValues.ToRows(CsvReader.Read(path, WithCorrupt, Mode("DROPMALFORMED")));
        Assert.Equal([1, 3], dropped.Select(r => r[0]));

        var e = Assert.Throws<MalformedRecordException>(() => CsvReader.Read(path, WithCorrupt, Mode("FAILFAST")));
        Assert.Equal(2, e.LineNumber);
        Assert.StartsWith($"Malformed record in file {path} at line 2: ", e.Message);
    }

    [Fact]
    public void Invalid_UTF8_in_a_string_field_is_replaced_not_malformed()
    {
        // Spark decodes CSV text with replacement; the record is fine.
        using var dir = new TempDir();
        var path = Write(dir, "1,,,d\u00FFe\n");
        var batch = CsvReader.Read(path, WithCorrupt, Mode("FAILFAST"));
        Assert.Equal("d\uFFFDe", ArrowValues.ToRows(batch).Single()[3]);
        AssertValidUtf8(batch);
    }

    [Fact]
    public void FailFast_quotes_a_short_excerpt_of_an_overlong_value()
    {
        using var dir = new TempDir();
        var path = Write(dir, "1,,,a\n" + new string('7', 1_000_000) + "x,,,b\n");
        var e = Assert.Throws<MalformedRecordException>(() => CsvReader.Read(path, WithCorrupt, Mode("FAILFAST")));
        Assert.True(e.Message.Length < 400, $"message of {e.Message.Length} characters");
        Assert.StartsWith($"Malformed record in file {path} at line 2: field 'id': cannot parse '{new string('7', 100)}...' (1000001 characters) as int", e.Message);
    }

    private static string Write(TempDir dir, string latin1)
    {
        var path = System.IO.Path.Combine(dir.Path, "poison.csv");
        File.WriteAllBytes(path, Encoding.Latin1.GetBytes(latin1));
        return path;
    }

    private static ReaderOptions Mode(string mode) => new(new Dictionary<string, string> { ["mode"] = mode });

    private static void AssertValidUtf8(RecordBatch batch)
    {
        foreach (var column in batch.Arrays.OfType<StringArray>())
            Assert.True(Utf8.IsValid(column.ValueBuffer.Span[..column.ValueOffsets[column.Length]]), "a string column holds invalid UTF-8");
    }
}
