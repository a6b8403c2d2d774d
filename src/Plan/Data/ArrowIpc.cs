using System.Buffers;
using Apache.Arrow;
using Apache.Arrow.Ipc;

namespace OrleansStream.Plan.Data;

/// <summary>Arrow IPC stream format (schema message + record batches) to and from byte arrays.</summary>
public static class ArrowIpc
{
    /// <summary>Serializes one batch (with its schema) as an Arrow IPC stream.</summary>
    public static byte[] Serialize(RecordBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return SerializeMany([batch], batch.Schema);
    }

    /// <summary>Serializes batches sharing <paramref name="schema"/> as one Arrow IPC stream (valid with zero batches).</summary>
    public static byte[] SerializeMany(IReadOnlyList<RecordBatch> batches, Schema schema)
    {
        // Written into a pooled buffer sized from the batches and copied out once: the result is the only new array
        // (a growing MemoryStream plus ToArray allocated about 3x the output).
        using var stream = WritePooled(batches, schema);
        return stream.ToArray();
    }

    /// <summary>
    /// Serializes one batch (with its schema) into a buffer rented from the shared array pool, for bytes that are only
    /// passed on (written to a file, sent): dispose the result once they are, and do not use its memory after that.
    /// </summary>
    public static IMemoryOwner<byte> SerializePooled(RecordBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return WritePooled([batch], batch.Schema);
    }

    /// <summary>
    /// <see cref="SerializePooled(RecordBatch)"/> with writer options (e.g. buffer compression: read such a stream with
    /// <see cref="Deserialize(ReadOnlyMemory{byte}, ICompressionCodecFactory?)"/> and a codec factory).
    /// </summary>
    public static IMemoryOwner<byte> SerializePooled(RecordBatch batch, IpcOptions? options)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return WritePooled([batch], batch.Schema, options);
    }

    /// <summary><see cref="SerializePooled(RecordBatch, IpcOptions?)"/> into a buffer of <paramref name="pool"/> (given back on dispose).</summary>
    public static IMemoryOwner<byte> SerializePooled(RecordBatch batch, IpcOptions? options, ArrayPool<byte> pool)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(pool);
        return WritePooled([batch], batch.Schema, options, pool);
    }

    private static PooledBufferStream WritePooled(IReadOnlyList<RecordBatch> batches, Schema schema, IpcOptions? options = null, ArrayPool<byte>? pool = null)
    {
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(schema);
        var stream = new PooledBufferStream(EstimateSize(batches, schema), pool ?? ArrayPool<byte>.Shared);
        using (var writer = new ArrowStreamWriter(stream, schema, leaveOpen: true, options))
        {
            writer.WriteStart();
            foreach (var b in batches) writer.WriteRecordBatch(b);
            writer.WriteEnd();
        }
        return stream;
    }

    /// <summary>Body bytes (each buffer padded to 8) plus a generous allowance for the flatbuffer messages; too big only wastes pool space.</summary>
    private static int EstimateSize(IReadOnlyList<RecordBatch> batches, Schema schema)
    {
        long size = 1024 + 256L * schema.FieldsList.Count;
        foreach (var batch in batches)
        {
            size += 512;
            for (int c = 0; c < batch.ColumnCount; c++) size += EstimateSize(batch.Column(c).Data);
        }
        return (int)Math.Min(size, System.Array.MaxLength);
    }

    private static long EstimateSize(ArrayData data)
    {
        long size = 64;
        foreach (var buffer in data.Buffers ?? []) size += 32 + ((buffer.Length + 7L) & ~7L);
        foreach (var child in data.Children ?? []) size += EstimateSize(child);
        if (data.Dictionary is not null) size += 512 + EstimateSize(data.Dictionary);
        return size;
    }

    /// <summary>Reads the first batch of a stream (an empty batch of the stream's schema when it has none). The batch references <paramref name="bytes"/>.</summary>
    public static RecordBatch Deserialize(ReadOnlyMemory<byte> bytes) => Deserialize(bytes, null);

    /// <summary>Reads the first batch of a stream whose buffers may be compressed (decompressed by <paramref name="codecs"/>).</summary>
    public static RecordBatch Deserialize(ReadOnlyMemory<byte> bytes, ICompressionCodecFactory? codecs)
    {
        using var reader = new ArrowStreamReader(bytes, codecs);
        var batch = reader.ReadNextRecordBatch();
        return batch ?? ArrowValues.Empty(reader.Schema);
    }

    /// <summary>Reads every batch of a stream. The batches reference <paramref name="bytes"/>.</summary>
    public static IReadOnlyList<RecordBatch> DeserializeMany(ReadOnlyMemory<byte> bytes)
    {
        using var reader = new ArrowStreamReader(bytes);
        var result = new List<RecordBatch>();
        while (reader.ReadNextRecordBatch() is { } b) result.Add(b);
        return result;
    }

    /// <summary>Reads only the schema of a stream.</summary>
    public static Schema ReadSchema(ReadOnlyMemory<byte> bytes)
    {
        using var reader = new ArrowStreamReader(bytes);
        return reader.Schema;
    }
}
