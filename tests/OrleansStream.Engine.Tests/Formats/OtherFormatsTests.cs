using System.Text;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Tests.Data;
using Xunit;
using static OrleansStream.Engine.Tests.Data.TestData;

namespace OrleansStream.Engine.Tests.Formats;

public class OtherFormatsTests
{
    [Fact]
    public void Text_reads_one_value_per_line()
    {
        using var dir = new TempDir();
        var path = dir.File("a.txt", "hello world\r\n\nlast");
        var batch = FileFormats.Get("text").Read(path, TextFileReader.Schema, ReaderOptions.Default);
        Assert.Equal(["hello world", "", "last"], ArrowValues.ToRows(batch).Select(r => (string?)r[0]));
        Assert.Equal("value", batch.Schema.FieldsList.Single().Name);
    }

    [Fact]
    public void Parquet_round_trips_primitives_timestamps_dates_and_structs()
    {
        var schema = Schema(F("b", BooleanType.Default), F("i", Int32Type.Default), F("l", Int64Type.Default), F("f", FloatType.Default),
            F("d", DoubleType.Default), F("m", new Decimal128Type(10, 2)), F("s", StringType.Default), F("bin", BinaryType.Default),
            F("ts", Timestamp), F("dt", Date32Type.Default), F("st", Struct(F("x", Int32Type.Default), F("y", StringType.Default))));
        IReadOnlyList<object?[]> rows =
        [
            new object?[] { true, 1, 10L, 1.5f, 2.25, 12.34m, "héllo", new byte[] { 1, 2 }, new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc).AddTicks(10), new DateOnly(2024, 1, 2), new object?[] { 7, "seven" } },
            new object?[] { null, null, null, null, null, null, null, null, null, null, new object?[] { null, "only y" } },
            new object?[] { false, -5, long.MinValue, -0.5f, 1e300, -0.01m, "", System.Array.Empty<byte>(), Utc(1969, 12, 31, 23, 59, 59), new DateOnly(1900, 1, 1), new object?[] { 3, null } },
        ];
        using var dir = new TempDir();
        var path = System.IO.Path.Combine(dir.Path, "x.parquet");
        var batch = ArrowValues.FromRows(schema, rows);
        ParquetFormat.Write(path, ArrowValues.Split(batch, 2), schema);
        var back = ParquetFormat.Read(path);
        Assert.Equal(2, back.Count);
        Assert.Equal(schema.FieldsList.Select(f => f.DataType.TypeId), back[0].Schema.FieldsList.Select(f => f.DataType.TypeId));
        ArrowValuesTests.AssertRows(rows, ArrowValues.ToRows(ArrowValues.Concat(back[0].Schema, back)));

        // Through the registry with a projected schema: columns by name, absent ones null.
        var projected = Schema(F("s", StringType.Default), F("missing", Int32Type.Default));
        var read = FileFormats.Get("parquet").Read(path, projected, ReaderOptions.Default);
        ArrowValuesTests.AssertRows([new object?[] { "héllo", null }, new object?[] { null, null }, new object?[] { "", null }], ArrowValues.ToRows(read));
        Assert.Equal(11, FileFormats.Get("parquet").InferSchema([path], ReaderOptions.Default).FieldsList.Count);
    }

    // Spark's Parquet writer leaves a file it wrote no row to with the schema and no row group (the file sink's empty
    // epochs): it reads back as no rows of that schema, alone and next to a file with rows.
    [Fact]
    public void Parquet_file_without_rows_keeps_the_schema_and_reads_with_a_file_of_rows()
    {
        var schema = Schema(F("start", Timestamp), F("count", Int64Type.Default), F("st", Struct(F("x", Int32Type.Default))));
        using var dir = new TempDir();
        var empty = System.IO.Path.Combine(dir.Path, "empty.parquet");
        var full = System.IO.Path.Combine(dir.Path, "full.parquet");
        using (var stream = System.IO.File.Create(empty)) FileFormats.GetWriter("parquet").Write(stream, ArrowValues.Concat(schema, []));
        IReadOnlyList<object?[]> rows = [new object?[] { Utc(2024, 1, 2, 3, 4, 5), 2L, new object?[] { 7 } }];
        using (var stream = System.IO.File.Create(full)) FileFormats.GetWriter("parquet").Write(stream, ArrowValues.FromRows(schema, rows));

        var parquet = FileFormats.Get("parquet");
        var inferred = parquet.InferSchema([empty, full], ReaderOptions.Default);
        Assert.Equal(["start", "count", "st"], inferred.FieldsList.Select(f => f.Name));
        Assert.Equal(schema.FieldsList.Select(f => f.DataType.TypeId), inferred.FieldsList.Select(f => f.DataType.TypeId));
        Assert.Empty(ParquetFormat.Read(empty));
        Assert.Equal(0, parquet.Read(empty, inferred, ReaderOptions.Default).Length);
        ArrowValuesTests.AssertRows(rows, ArrowValues.ToRows(ArrowValues.Concat(inferred,
            [parquet.Read(empty, inferred, ReaderOptions.Default), parquet.Read(full, inferred, ReaderOptions.Default)])));
    }

    [Fact]
    public void Json_writer_produces_spark_text_and_reads_back()
    {
        var schema = Schema(F("id", Int64Type.Default), F("name", StringType.Default), F("ts", Timestamp), F("d", DoubleType.Default),
            F("day", Date32Type.Default), F("st", Struct(F("a", Int32Type.Default), F("b", StringType.Default))), F("arr", List(Int32Type.Default)));
        var batch = ArrowValues.FromRows(schema,
        [
            new object?[] { 1L, "é\"x", Utc(2024, 1, 2, 3, 4, 5).AddMilliseconds(120), 1.0, new DateOnly(2024, 1, 2), new object?[] { 1, null }, new object?[] { 1, null } },
            new object?[] { 2L, null, null, 1e10, null, null, null },
        ]);
        var ms = new MemoryStream();
        FileFormats.GetWriter("json").Write(ms, batch);
        Assert.Equal(
            "{\"id\":1,\"name\":\"é\\\"x\",\"ts\":\"2024-01-02T03:04:05.120Z\",\"d\":1.0,\"day\":\"2024-01-02\",\"st\":{\"a\":1},\"arr\":[1,null]}\n" +
            "{\"id\":2,\"d\":1.0E10}\n", Encoding.UTF8.GetString(ms.ToArray()));
        var back = JsonLinesReader.Read(ms.ToArray(), schema, ReaderOptions.Default, "mem");
        ArrowValuesTests.AssertRows(ArrowValues.ToRows(batch), ArrowValues.ToRows(back));
    }

    [Fact]
    public void Csv_writer_quotes_and_writes_header_and_reads_back()
    {
        var schema = Schema(F("id", Int32Type.Default), F("text", StringType.Default), F("ts", Timestamp));
        var batch = ArrowValues.FromRows(schema,
        [
            new object?[] { 1, "plain", Utc(2024, 1, 2, 3, 4, 5) },
            new object?[] { 2, "a,b \"q\"", null },
            new object?[] { null, "", null },
            new object?[] { 4, null, null },
        ]);
        var ms = new MemoryStream();
        var options = new Dictionary<string, string> { ["header"] = "true" };
        FileFormats.GetWriter("csv").Write(ms, batch, options);
        var text = Encoding.UTF8.GetString(ms.ToArray());
        Assert.Equal("id,text,ts\n1,plain,2024-01-02T03:04:05.000Z\n2,\"a,b \"\"q\"\"\",\n,\"\",\n4,,\n", text);
        var back = CsvReader.ReadText(text, schema, new ReaderOptions(options), "mem");
        ArrowValuesTests.AssertRows(ArrowValues.ToRows(batch), ArrowValues.ToRows(back));
    }

    [Fact]
    public void Registry_knows_formats_and_extensions()
    {
        Assert.Equal("json", FileFormats.Get("JSON").Extension);
        Assert.Equal("csv", FileFormats.GetWriter("csv").Extension);
        Assert.Equal("txt", FileFormats.GetWriter("text").Extension);
        Assert.Equal("parquet", FileFormats.Get("parquet").Extension);
        var e = Assert.Throws<ArgumentException>(() => FileFormats.Get("avro"));
        Assert.Contains("avro", e.Message);
    }
}
