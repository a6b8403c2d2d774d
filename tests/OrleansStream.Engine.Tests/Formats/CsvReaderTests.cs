using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Tests.Data;
using Xunit;
using static OrleansStream.Engine.Tests.Data.TestData;

namespace OrleansStream.Engine.Tests.Formats;

public class CsvReaderTests
{
    private static ReaderOptions Opts(params (string, string)[] kv) => new(kv.ToDictionary(x => x.Item1, x => x.Item2));

    [Fact]
    public void Reads_typed_rows_with_quotes_and_nulls()
    {
        using var dir = new TempDir();
        var path = dir.File("a.csv",
            "id,name,ts,score\n" +
            "1,\"Smith, John\",2024-01-02 03:04:05,1.5\n" +
            "2,\"say \"\"hi\"\"\",2024-01-02T03:04:05Z,\n" +
            "3,\"\",,-2\r\n" +
            "4,,,\n" +
            "5,\"esc \\\" q\",,1e3\n");
        var schema = Schema(F("id", Int32Type.Default), F("name", StringType.Default), F("ts", Timestamp), F("score", DoubleType.Default));
        var rows = ArrowValues.ToRows(CsvReader.Read(path, schema, Opts(("header", "true"))));
        ArrowValuesTests.AssertRows(
        [
            new object?[] { 1, "Smith, John", Utc(2024, 1, 2, 3, 4, 5), 1.5 },
            new object?[] { 2, "say \"hi\"", Utc(2024, 1, 2, 3, 4, 5), null },
            new object?[] { 3, "", null, -2.0 },
            new object?[] { 4, null, null, null },
            new object?[] { 5, "esc \" q", null, 1000.0 },
        ], rows);
    }

    [Fact]
    public void Separator_option_and_no_header()
    {
        using var dir = new TempDir();
        var path = dir.File("a.tsv", "a\t1\nb\t2\n");
        var schema = CsvReader.InferSchema([path], Opts(("sep", "\t"), ("inferSchema", "true")));
        Assert.Equal(["_c0", "_c1"], schema.FieldsList.Select(f => f.Name));
        Assert.IsType<Int32Type>(schema.FieldsList[1].DataType);
        var rows = ArrowValues.ToRows(CsvReader.Read(path, schema, Opts(("sep", "\t"))));
        ArrowValuesTests.AssertRows([new object?[] { "a", 1 }, new object?[] { "b", 2 }], rows);
    }

    private const string Malformed = "id,name\n1,a\nx,b\n3,\"unclosed\n4,d,extra\n5,e\n";
    private static readonly Schema WithCorrupt = Schema(F("id", Int32Type.Default), F("name", StringType.Default), F("_corrupt_record", StringType.Default));

    [Fact]
    public void Modes_on_a_malformed_file()
    {
        using var dir = new TempDir();
        var path = dir.File("m.csv", Malformed);
        var permissive = ArrowValues.ToRows(CsvReader.Read(path, WithCorrupt, Opts(("header", "true"))));
        ArrowValuesTests.AssertRows(
        [
            new object?[] { 1, "a", null },
            new object?[] { null, null, "x,b" },
            new object?[] { null, null, "3,\"unclosed" },
            new object?[] { null, null, "4,d,extra" },
            new object?[] { 5, "e", null },
        ], permissive);

        var dropped = ArrowValues.ToRows(CsvReader.Read(path, WithCorrupt, Opts(("header", "true"), ("mode", "DROPMALFORMED"))));
        ArrowValuesTests.AssertRows([new object?[] { 1, "a", null }, new object?[] { 5, "e", null }], dropped);

        var e = Assert.Throws<MalformedRecordException>(() => CsvReader.Read(path, WithCorrupt, Opts(("header", "true"), ("mode", "FailFast"))));
        Assert.Equal($"Malformed record in file {path} at line 3: field 'id': cannot parse 'x' as int (mode FAILFAST)", e.Message);
    }

    [Fact]
    public void InferSchema_with_header_widens_types()
    {
        using var dir = new TempDir();
        var path = dir.File("a.csv", "i,l,d,b,t,s,e\n1,1,1,true,2024-01-01 00:00:00,x,\n2,9999999999,2.5,false,2024-01-02T00:00:00Z,1,\n");
        var schema = CsvReader.InferSchema([path], Opts(("header", "true"), ("inferSchema", "true")));
        Assert.Equal(["i", "l", "d", "b", "t", "s", "e"], schema.FieldsList.Select(f => f.Name));
        Assert.Equal([ArrowTypeId.Int32, ArrowTypeId.Int64, ArrowTypeId.Double, ArrowTypeId.Boolean, ArrowTypeId.Timestamp, ArrowTypeId.String, ArrowTypeId.String],
            schema.FieldsList.Select(f => f.DataType.TypeId));
        var allStrings = CsvReader.InferSchema([path], Opts(("header", "true")));
        Assert.All(allStrings.FieldsList, f => Assert.IsType<StringType>(f.DataType));
    }
}
