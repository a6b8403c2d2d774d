using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Tests.Data;
using Parquet;
using Parquet.Schema;
using Xunit;
using static OrleansStream.Engine.Tests.Data.TestData;

namespace OrleansStream.Engine.Tests.Formats;

/// <summary>The reader's direct-to-Arrow path: strings as UTF-8 bytes, dense values scattered by definition levels.</summary>
public class ParquetReaderTests
{
    private static readonly string[] Samples = ["", "a", "héllo", "中文字符", "𝄞 music", "plain ascii text of some length", "ü"];

    [Fact]
    public void Strings_keep_nulls_empty_values_and_multibyte_utf8_across_row_groups()
    {
        var schema = Schema(F("id", Int64Type.Default), F("s", StringType.Default), F("bin", BinaryType.Default), F("n", Int32Type.Default));
        var rows = new List<object?[]>();
        for (int i = 0; i < 2_500; i++)
        {
            // Nulls land on the first and last row of each 1000-row group as well as in between.
            bool isNull = i % 1000 == 0 || i % 1000 == 999 || i % 7 == 3;
            rows.Add([(long)i, isNull ? null : Samples[i % Samples.Length] + (i % 11 == 0 ? "" : i.ToString()),
                isNull ? null : new[] { (byte)i, (byte)0xFF }, i % 5 == 0 ? null : i]);
        }
        var back = RoundTrip(schema, rows, 1000);

        Assert.Equal([1000, 1000, 500], back.Select(b => b.Length));
        AssertAllRows(rows, back);
        // A string column whose only values are empty or null still has one offset per row and no value bytes.
        var s = (StringArray)back[0].Column(1);
        Assert.True(s.IsNull(0));
        Assert.Equal(0, s.ValueOffsets[0]);
    }

    [Fact]
    public void An_empty_row_group_reads_as_an_empty_batch()
    {
        var schema = Schema(F("s", StringType.Default), F("l", Int64Type.Default), F("ts", Timestamp));
        var back = RoundTrip(schema, [], 10);
        Assert.Equal(0, back.Sum(b => b.Length));
        Assert.All(back, b => Assert.Equal(3, b.ColumnCount));
    }

    [Fact]
    public void All_null_and_all_empty_string_columns_read_back()
    {
        var schema = Schema(F("nulls", StringType.Default), F("empty", StringType.Default));
        var rows = Enumerable.Range(0, 10).Select(_ => new object?[] { null, "" }).ToList();
        var back = RoundTrip(schema, rows, 4);
        AssertAllRows(rows, back);
        Assert.All(back, b => Assert.Equal(b.Length, b.Column(0).NullCount));
        Assert.All(back, b => Assert.Equal(0, b.Column(1).NullCount));
    }

    [Fact]
    public async Task Struct_children_and_timestamp_units_read_back()
    {
        var ts = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc).AddTicks(1230);
        var schema = Schema(F("ts", Timestamp), F("st", Struct(F("x", Int32Type.Default), F("y", StringType.Default))));
        var rows = new List<object?[]>
        {
            new object?[] { ts, new object?[] { 1, "één" } },
            new object?[] { null, new object?[] { null, null } },
            new object?[] { Utc(1960, 1, 1), new object?[] { 3, "" } },
        };
        using var dir = new TempDir();
        var path = System.IO.Path.Combine(dir.Path, "x.parquet");
        ParquetFormat.Write(path, [ArrowValues.FromRows(schema, rows)], schema);
        AssertAllRows(rows, ParquetFormat.Read(path));
        // Both the timestamp and the string inside the struct have raw twins, so they took the direct path.
        await using (var reader = await ParquetReader.CreateAsync(path))
        {
            var twins = ParquetColumnReader.RawTwins(reader.Schema);
            Assert.Equal(2, twins.Count);
            Assert.Contains(twins.Values, f => f.Name == "ts" && f.ClrType == typeof(long));
            Assert.Contains(twins.Values, f => f.Name == "y" && f.ClrType == typeof(ReadOnlyMemory<byte>) && f.MaxDefinitionLevel == 2);
        }

        // Asking for another unit converts from the stored microseconds.
        var millis = Schema(F("ts", new TimestampType(TimeUnit.Millisecond, "UTC")));
        var read = (TimestampArray)ParquetFormat.Read(path, millis).Single().Column(0);
        Assert.Equal(new DateTimeOffset(ts).ToUnixTimeMilliseconds(), read.GetValue(0));
        Assert.True(read.IsNull(1));
        Assert.Equal(new DateTimeOffset(Utc(1960, 1, 1)).ToUnixTimeMilliseconds(), read.GetValue(2));
    }

    [Fact]
    public async Task Required_columns_from_another_writer_and_widened_types_read_back()
    {
        // Required (non-nullable) columns carry no definition levels.
        var pqSchema = new ParquetSchema(new DataField<int>("i", false), new DataField<string>("s", false));
        using var dir = new TempDir();
        var path = System.IO.Path.Combine(dir.Path, "req.parquet");
        await using (var stream = File.Create(path))
        await using (var writer = await ParquetWriter.CreateAsync(pqSchema, stream))
        {
            using var rg = writer.CreateRowGroup();
            await rg.WriteAsync<int>(pqSchema.DataFields[0], new[] { 1, 2, 3 }.AsMemory(), null, null, default);
            await rg.WriteAsync(pqSchema.DataFields[1], new[] { "x", "", "ÿ€" }, null);
        }
        var back = ParquetFormat.Read(path);
        ArrowValuesTests.AssertRows([new object?[] { 1, "x" }, new object?[] { 2, "" }, new object?[] { 3, "ÿ€" }], ArrowValues.ToRows(back.Single()));

        // An int column read as bigint takes the widening path.
        var wide = ParquetFormat.Read(path, Schema(F("i", Int64Type.Default))).Single();
        Assert.Equal([1L, 2L, 3L], ((Int64Array)wide.Column(0)).Values.ToArray());
    }

    private static IReadOnlyList<RecordBatch> RoundTrip(Apache.Arrow.Schema schema, IReadOnlyList<object?[]> rows, int rowsPerGroup)
    {
        using var dir = new TempDir();
        var path = System.IO.Path.Combine(dir.Path, "x.parquet");
        var batch = ArrowValues.FromRows(schema, rows);
        var groups = batch.Length == 0 ? [batch] : Enumerable.Range(0, (batch.Length + rowsPerGroup - 1) / rowsPerGroup)
            .Select(g => batch.Slice(g * rowsPerGroup, Math.Min(rowsPerGroup, batch.Length - g * rowsPerGroup))).ToList();
        ParquetFormat.Write(path, groups, schema);
        return ParquetFormat.Read(path);
    }

    private static void AssertAllRows(IReadOnlyList<object?[]> expected, IReadOnlyList<RecordBatch> batches) =>
        ArrowValuesTests.AssertRows(expected, ArrowValues.ToRows(ArrowValues.Concat(batches[0].Schema, batches)));
}
