using System.Buffers;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansStream.Grains.Execution;

namespace OrleansStream.Grains.Storage;

/// <summary>
/// Serializes the engine's grain states (trigger, query, memory streams) with Orleans' binary serializer, which the state
/// types describe with their <c>[Id]</c>s, behind a format marker. The trigger writes its state twice an epoch, and JSON
/// with type names was a measurable share of a small epoch's CPU. Records without the marker are JSON written by earlier
/// versions: they are still read, through the silo's configured serializer, and rewritten in binary on the next write.
/// The trigger's state has a format of its own (<see cref="TriggerStateEncoding"/>, "OST1"); its records in the binary
/// format before it are still read, and rewritten in the new one on the next write.
/// </summary>
internal sealed class CheckpointStateSerializer(Serializer serializer, IGrainStorageSerializer legacy) : IGrainStorageSerializer
{
    private static readonly byte[] Marker = "OSB1"u8.ToArray();

    private readonly OrleansGrainStorageSerializer _binary = new(serializer);
    private readonly TriggerStateEncoding _trigger = new(serializer);

    public BinaryData Serialize<T>(T? input)
    {
        if (input is TriggerState trigger) return new BinaryData(_trigger.Encode(trigger));
        var body = _binary.Serialize(input).ToMemory();
        var data = new byte[Marker.Length + body.Length];
        Marker.CopyTo(data, 0);
        body.Span.CopyTo(data.AsSpan(Marker.Length));
        return new BinaryData(data);
    }

    /// <summary>The trigger's record (written twice an epoch) in a rented array, to dispose once it is written; null for any
    /// other state (<see cref="Serialize{T}"/>).</summary>
    public IMemoryOwner<byte>? SerializeRented<T>(T? input) => input is TriggerState trigger ? _trigger.EncodeRented(trigger) : null;

    public T? Deserialize<T>(BinaryData input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var data = input.ToMemory();
        if (typeof(T) == typeof(TriggerState) && TriggerStateEncoding.Handles(data.Span)) return (T)(object)_trigger.Decode(data);
        return data.Span.StartsWith(Marker)
            ? _binary.Deserialize<T>(new BinaryData(data[Marker.Length..]))
            : legacy.Deserialize<T>(input);
    }
}
