using Xunit;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using static OrleansStream.Engine.Tests.Data.TestData;

namespace OrleansStream.Engine.Tests.Data;

public class ArrowValuesTests
{
    internal static readonly Schema AllTypes = Schema(
        F("b", BooleanType.Default), F("i", Int32Type.Default), F("l", Int64Type.Default),
        F("f", FloatType.Default), F("d", DoubleType.Default), F("m", new Decimal128Type(10, 2)),
        F("s", StringType.Default), F("bin", BinaryType.Default), F("ts", Timestamp), F("dt", Date32Type.Default),
        F("st", Struct(F("x", Int32Type.Default), F("y", StringType.Default))),
        F("arr", List(Int64Type.Default)),
        F("map", new MapType(StringType.Default, Int32Type.Default)));

    internal static IReadOnlyList<object?[]> SampleRows() =>
    [
        new object?[] { true, 1, 10L, 1.5f, 2.25, 12.34m, "héllo", new byte[] { 1, 2 }, Utc(2024, 1, 2, 3, 4, 5), new DateOnly(2024, 1, 2),
            new object?[] { 7, "seven" }, new object?[] { 1L, null, 3L }, new Dictionary<object, object?> { ["k"] = 1 } },
        new object?[] { null, null, null, null, null, null, null, null, null, null, null, null, null },
        new object?[] { false, -5, long.MaxValue, -0.5f, double.NaN, -0.01m, "", System.Array.Empty<byte>(), Utc(1969, 12, 31, 23, 59, 59), new DateOnly(1900, 1, 1),
            new object?[] { null, null }, System.Array.Empty<object?>(), new Dictionary<object, object?>() },
    ];

    [Fact]
    public void FromRows_then_GetValue_round_trips_every_type()
    {
        var batch = ArrowValues.FromRows(AllTypes, SampleRows());
        Assert.Equal(3, batch.Length);
        AssertRows(SampleRows(), ArrowValues.ToRows(batch));
        var ts = (DateTime)ArrowValues.GetValue(batch.Column("ts"), 0)!;
        Assert.Equal(DateTimeKind.Utc, ts.Kind);
        Assert.IsType<DateOnly>(ArrowValues.GetValue(batch.Column("dt"), 0));
        Assert.IsAssignableFrom<IReadOnlyList<object?>>(ArrowValues.GetValue(batch.Column("arr"), 0));
        Assert.IsAssignableFrom<IReadOnlyDictionary<object, object?>>(ArrowValues.GetValue(batch.Column("map"), 0));
        Assert.Equal(1, batch.Column("i").NullCount);
    }

    [Fact]
    public void FromRows_rejects_values_that_do_not_fit()
    {
        var schema = Schema(F("i", Int32Type.Default));
        var e = Assert.Throws<ArgumentException>(() => ArrowValues.FromRows(schema, [[5_000_000_000L]]));
        Assert.Contains("'i'", e.Message);
        Assert.Throws<ArgumentException>(() => ArrowValues.FromRows(schema, [[1, 2]]));
        // Values that fit are widened/narrowed.
        Assert.Equal(7, ArrowValues.GetValue(ArrowValues.FromRows(schema, [[7L]]).Column(0), 0));
    }

    [Fact]
    public void Concat_and_Split_preserve_rows_in_order()
    {
        var batch = ArrowValues.FromRows(AllTypes, SampleRows());
        var parts = ArrowValues.Split(batch, 2);
        Assert.Equal([2, 1], parts.Select(p => p.Length));
        var three = ArrowValues.Split(batch, 5);
        Assert.Equal([1, 1, 1, 0, 0], three.Select(p => p.Length));
        Assert.Equal("héllo", ArrowValues.GetValue(three[0].Column("s"), 0));
        Assert.Equal(new object?[] { null, null }, (object?[])ArrowValues.GetValue(three[2].Column("st"), 0)!);
        var joined = ArrowValues.Concat(AllTypes, [parts[1], parts[0], ArrowValues.Empty(AllTypes)]);
        var expected = SampleRows();
        AssertRows([expected[2], expected[0], expected[1]], ArrowValues.ToRows(joined));
    }

    [Fact]
    public void Concat_writes_managed_memory_that_spans_keep_alive()
    {
        var batch = ArrowValues.FromRows(AllTypes, SampleRows());
        var joined = ArrowValues.Concat(AllTypes, ArrowValues.Split(batch, 2));
        // Arrow's default allocator hands out native memory a finalizer frees; a kernel holding only a span could read it freed.
        foreach (var column in joined.Arrays)
            foreach (var buffer in column.Data.Buffers)
                Assert.True(buffer.IsEmpty || System.Runtime.InteropServices.MemoryMarshal.TryGetArray(buffer.Memory, out _),
                    $"A buffer of a concatenated {column.Data.DataType.Name} column is not a managed array.");
    }

    [Fact]
    public void Empty_has_schema_and_no_rows()
    {
        var e = ArrowValues.Empty(AllTypes);
        Assert.Equal(0, e.Length);
        Assert.Equal(13, e.ColumnCount);
    }

    internal static void AssertRows(IReadOnlyList<object?[]> expected, IReadOnlyList<object?[]> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int r = 0; r < expected.Count; r++)
        {
            Assert.Equal(expected[r].Length, actual[r].Length);
            for (int c = 0; c < expected[r].Length; c++) AssertValue(expected[r][c], actual[r][c], $"row {r} col {c}");
        }
    }

    internal static void AssertValue(object? expected, object? actual, string where)
    {
        switch (expected)
        {
            case null: Assert.True(actual is null, $"{where}: expected null, got {actual}"); break;
            case IDictionary<object, object?> d:
                var a = Assert.IsAssignableFrom<IReadOnlyDictionary<object, object?>>(actual);
                Assert.Equal(d.Count, a.Count);
                foreach (var kv in d) AssertValue(kv.Value, a[kv.Key], where + "[" + kv.Key + "]");
                break;
            case byte[] bytes: Assert.Equal(bytes, Assert.IsType<byte[]>(actual)); break;
            case object?[] arr:
                var list = Assert.IsAssignableFrom<IReadOnlyList<object?>>(actual);
                Assert.Equal(arr.Length, list.Count);
                for (int i = 0; i < arr.Length; i++) AssertValue(arr[i], list[i], where + "[" + i + "]");
                break;
            default: Assert.True(Equals(expected, actual), $"{where}: expected {expected} ({expected.GetType().Name}), got {actual} ({actual?.GetType().Name})"); break;
        }
    }
}
