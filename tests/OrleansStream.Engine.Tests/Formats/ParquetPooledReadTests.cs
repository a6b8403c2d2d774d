using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Tests.Data;
using Xunit;
using static OrleansStream.Engine.Tests.Data.TestData;

namespace OrleansStream.Engine.Tests.Formats;

/// <summary>
/// A stream's Parquet files read into arrays rented from the silo's pool: the same rows as a plain read, in a batch whose
/// owner hands every array back, with nulls reading as nulls even in arrays an earlier batch left dirty.
/// </summary>
public class ParquetPooledReadTests
{
    private static readonly Apache.Arrow.Schema Columns = Schema(F("id", Int64Type.Default), F("n", Int32Type.Default),
        F("price", DoubleType.Default), F("name", StringType.Default), F("at", Timestamp), F("amount", new Decimal128Type(12, 2)));

    [Fact]
    public void A_pooled_read_of_one_row_group_has_the_plain_reads_rows_and_gives_every_array_back_on_release()
    {
        var pool = DirtyPool();
        using var dir = new TempDir();
        var path = Write(dir, Rows(3_000), rowsPerGroup: 3_000);

        var batch = BuiltInFileFormat.Parquet.Read(path, Columns, ReaderOptions.Default, pool);

        Assert.True(BatchBuffers.IsPooled(batch));
        ArrowValuesTests.AssertRows(ArrowValues.ToRows(BuiltInFileFormat.Parquet.Read(path, Columns, ReaderOptions.Default)), ArrowValues.ToRows(batch));
        // A null's value bytes are zero, as in a plain read, though the rented array held 0xFF.
        var n = (Int32Array)batch.Column(1);
        Assert.All(Enumerable.Range(0, n.Length).Where(n.IsNull), i => Assert.Equal(0, n.Values[i]));
        Assert.True(pool.Rented > 2 * Columns.FieldsList.Count, $"rented {pool.Rented}");
        Assert.True(BatchBuffers.Release(batch));
        Assert.Equal(pool.Rented, pool.Returned);
    }

    [Fact]
    public void A_file_of_several_row_groups_is_one_batch_of_its_own_arrays_and_the_groups_arrays_go_back_at_once()
    {
        var pool = DirtyPool();
        using var dir = new TempDir();
        var rows = Rows(2_500);
        var path = Write(dir, rows, rowsPerGroup: 1_000);

        var batch = BuiltInFileFormat.Parquet.Read(path, Columns, ReaderOptions.Default, pool);

        Assert.False(BatchBuffers.IsPooled(batch));
        Assert.Equal(pool.Rented, pool.Returned);
        ArrowValuesTests.AssertRows(rows, ArrowValues.ToRows(batch));
    }

    // A pool whose arrays of every size a column takes hold 0xFF bytes, as an earlier batch leaves them.
    private static ArrowBufferPool DirtyPool()
    {
        var pool = new ArrowBufferPool();
        var arrays = new List<byte[]>();
        for (var size = 16; size <= 1 << 17; size *= 2)
            for (var i = 0; i < 8; i++)
                arrays.Add(pool.Rent(size));
        foreach (var array in arrays)
        {
            array.AsSpan().Fill(0xFF);
            pool.Return(array);
        }
        return pool;
    }

    private static List<object?[]> Rows(int count) => Enumerable.Range(0, count).Select(i => new object?[]
    {
        (long)i,
        i % 3 == 0 ? null : i * 7,
        i % 5 == 1 ? null : i * 0.25,
        i % 4 == 2 ? null : i % 11 == 0 ? "" : $"name-{i}-é",
        i % 6 == 5 ? null : Utc(2024, 1, 1).AddSeconds(i),
        i % 7 == 3 ? null : i * 1.25m,
    }).ToList();

    private static string Write(TempDir dir, IReadOnlyList<object?[]> rows, int rowsPerGroup)
    {
        var path = System.IO.Path.Combine(dir.Path, "x.parquet");
        var batch = ArrowValues.FromRows(Columns, rows);
        var groups = Enumerable.Range(0, (batch.Length + rowsPerGroup - 1) / rowsPerGroup)
            .Select(g => batch.Slice(g * rowsPerGroup, Math.Min(rowsPerGroup, batch.Length - g * rowsPerGroup))).ToList();
        ParquetFormat.Write(path, groups, Columns);
        return path;
    }
}
