using Apache.Arrow;
using Apache.Arrow.Ipc;

namespace OrleansStream.Engine.Data;

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
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(schema);
        using var ms = new MemoryStream();
        using (var writer = new ArrowStreamWriter(ms, schema, leaveOpen: true))
        {
            writer.WriteStart();
            foreach (var b in batches) writer.WriteRecordBatch(b);
            writer.WriteEnd();
        }
        return ms.ToArray();
    }

    /// <summary>Reads the first batch of a stream (an empty batch of the stream's schema when it has none). The batch references <paramref name="bytes"/>.</summary>
    public static RecordBatch Deserialize(ReadOnlyMemory<byte> bytes)
    {
        using var reader = new ArrowStreamReader(bytes);
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
