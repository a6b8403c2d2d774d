using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using Xunit;
using static OrleansStream.Engine.Tests.Data.TestData;

namespace OrleansStream.Engine.Tests.Data;

public class PooledBufferStreamTests
{
    [Fact]
    public void Grows_past_its_initial_capacity_and_copies_out_exactly_what_was_written()
    {
        using var stream = new PooledBufferStream(1);
        var expected = new List<byte>();
        for (int i = 0; i < 1000; i++)
        {
            var chunk = Enumerable.Range(0, i % 37).Select(b => (byte)(b + i)).ToArray();
            stream.Write(chunk, 0, chunk.Length);
            stream.WriteByte((byte)i);
            expected.AddRange(chunk);
            expected.Add((byte)i);
        }
        Assert.Equal(expected.Count, stream.Length);
        Assert.Equal(expected.ToArray(), stream.ToArray());
    }

    [Fact]
    public void Serialize_output_is_unchanged_for_large_string_batches()
    {
        // Long strings make the body dominate, so an under-estimate would have to grow; the bytes must still round trip.
        var schema = Schema(F("s", StringType.Default), F("l", Int64Type.Default));
        var rows = Enumerable.Range(0, 5_000).Select(i => new object?[] { i % 9 == 0 ? null : new string('é', i % 300), (long)i }).ToList();
        var batch = ArrowValues.FromRows(schema, rows);
        var bytes = ArrowIpc.Serialize(batch);
        ArrowValuesTests.AssertRows(rows, ArrowValues.ToRows(ArrowIpc.Deserialize(bytes)));
        ArrowValuesTests.AssertRows(rows.Skip(100).Take(50).ToList(), ArrowValues.ToRows(ArrowIpc.Deserialize(ArrowIpc.Serialize(batch.Slice(100, 50)))));
    }
}
