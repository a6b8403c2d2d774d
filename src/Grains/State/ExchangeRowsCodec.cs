using System.Buffers;
using Orleans.Serialization;
using Orleans.Serialization.Buffers;
using Orleans.Serialization.Cloning;
using Orleans.Serialization.Codecs;
using Orleans.Serialization.WireProtocol;
using OrleansStream.Engine.Data;
using OrleansStream.Interfaces.Execution;

namespace OrleansStream.Grains.State;

/// <summary>
/// <see cref="ExchangeRows"/> on the wire, for a call that leaves the silo (within it no codec runs:
/// <see cref="ExchangeRowsCopier"/>): the part as one Arrow IPC stream (schema and batch), read back as a batch over the
/// received bytes, which are rented from the receiving silo's pool and owned by the batch (the partition releases them as
/// it does a part from its own silo). The bytes are framed as a <c>byte[]</c> or <c>ReadOnlyMemory&lt;byte&gt;</c> field
/// is, which is what the stage call carried before (an IPC stream): silos of both versions read each other's parts during
/// a rolling upgrade.
/// </summary>
[RegisterSerializer]
internal sealed class ExchangeRowsCodec(IServiceProvider services) : IFieldCodec<ExchangeRows>
{
    private readonly ArrowBufferPool _pool = ArrowBufferPool.Of(services);

    public void WriteField<TBufferWriter>(ref Writer<TBufferWriter> writer, uint fieldIdDelta, Type? expectedType, ExchangeRows? value)
        where TBufferWriter : IBufferWriter<byte>
    {
        if (ReferenceCodec.TryWriteReferenceField(ref writer, fieldIdDelta, expectedType, value)) return;
        writer.WriteFieldHeader(fieldIdDelta, expectedType, typeof(ExchangeRows), WireType.LengthPrefixed);
        value.NoteEncoded();
        using var ipc = ArrowIpc.SerializePooled(value.Rows);
        var bytes = ipc.Memory.Span;
        writer.WriteVarUInt32((uint)bytes.Length);
        writer.Write(bytes);
    }

    public ExchangeRows ReadValue<TInput>(ref Reader<TInput> reader, Field field)
    {
        if (field.WireType == WireType.Reference) return ReferenceCodec.ReadReference<ExchangeRows, TInput>(ref reader, field)!;
        field.EnsureWireType(WireType.LengthPrefixed);
        var length = reader.ReadVarUInt32();
        if (length > Array.MaxLength) throw new InvalidDataException($"An exchange part of {length} bytes is more than an array holds.");
        // A batch read from IPC refers to its bytes: they must outlive the message's buffers, so they get an array of their own.
        var owner = new BatchBuffers(_pool);
        var bytes = owner.RentBytes((int)length);
        reader.ReadBytes(bytes.Span);
        var result = new ExchangeRows(owner.Own(ArrowIpc.Deserialize(bytes)));
        ReferenceCodec.RecordObject(reader.Session, result);
        return result;
    }
}

/// <summary>An <see cref="ExchangeRows"/> is passed on as it is within a silo: the receiving partition becomes its owner.</summary>
[RegisterCopier]
internal sealed class ExchangeRowsCopier : ShallowCopier<ExchangeRows>;
