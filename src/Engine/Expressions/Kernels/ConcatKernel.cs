using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;

namespace OrleansStream.Engine.Expressions.Kernels;

/// <summary>
/// Concatenates arrays of one type with bulk copies: a value buffer is one block copy per part, a validity bitmap is left
/// out when no part has a null, an all-valid or all-null part sets or skips its bits as a range, and only a part with some
/// nulls copies its bits (bytes at a time when aligned). Arrow's own concatenator appends validity bit by bit and zeroes
/// every buffer before filling it. Types other than fixed-width, boolean, string, binary and struct go to Arrow's.
/// </summary>
internal static class ConcatKernel
{
    /// <summary>One batch of <paramref name="schema"/> holding the rows of <paramref name="batches"/> in order.</summary>
    public static RecordBatch Concat(Schema schema, IReadOnlyList<RecordBatch> batches) => Concat(schema, batches, null);

    /// <summary><see cref="Concat(Schema, IReadOnlyList{RecordBatch})"/>, the value buffers of fixed-width columns rented from
    /// <paramref name="buffers"/> (the owner of the batch made) when there is one.</summary>
    public static RecordBatch Concat(Schema schema, IReadOnlyList<RecordBatch> batches, BatchBuffers? buffers)
    {
        if (batches.Count == 0) return ArrowValues.Empty(schema);
        if (batches.Count == 1) return new RecordBatch(schema, batches[0].Arrays, batches[0].Length);
        var length = 0;
        foreach (var b in batches) length += b.Length;
        var columns = new IArrowArray[schema.FieldsList.Count];
        var parts = new IArrowArray[batches.Count];
        for (var c = 0; c < columns.Length; c++)
        {
            for (var b = 0; b < parts.Length; b++) parts[b] = batches[b].Column(c);
            columns[c] = Concat(parts, buffers);
        }
        return new RecordBatch(schema, columns, length);
    }

    /// <summary>One array holding the rows of <paramref name="parts"/> (at least one, all of one type) in order.</summary>
    public static IArrowArray Concat(IReadOnlyList<IArrowArray> parts) => Concat(parts, null);

    /// <summary><see cref="Concat(IReadOnlyList{IArrowArray})"/>, a fixed-width value buffer rented from <paramref name="buffers"/>
    /// when there is one (every byte of it is written).</summary>
    public static IArrowArray Concat(IReadOnlyList<IArrowArray> parts, BatchBuffers? buffers)
    {
        if (parts.Count == 1) return parts[0];
        var type = parts[0].Data.DataType;
        var n = 0;
        var nulls = 0;
        foreach (var p in parts)
        {
            n += p.Length;
            nulls += p.NullCount;
        }
        switch (type)
        {
            case BooleanType:
            {
                var bits = new byte[BitUtility.ByteCount(n)];
                var at = 0;
                foreach (var p in parts)
                {
                    CopyBits(p.Data.Buffers[1].Span, p.Offset, bits, at, p.Length);
                    at += p.Length;
                }
                return new BooleanArray(new ArrowBuffer(bits), Validity(parts, n, nulls), n, nulls, 0);
            }
            case FixedWidthType { BitWidth: var bitWidth } when bitWidth % 8 == 0:
            {
                var width = bitWidth / 8;
                var values = buffers is null || n == 0 ? GC.AllocateUninitializedArray<byte>(n * width) : buffers.Rent(n * width).AsMemory(0, n * width);
                var at = 0;
                foreach (var p in parts)
                {
                    p.Data.Buffers[1].Span.Slice(p.Offset * width, p.Length * width).CopyTo(values.Span[at..]);
                    at += p.Length * width;
                }
                return ArrowArrayFactory.BuildArray(new ArrayData(type, n, nulls, 0, [Validity(parts, n, nulls), new ArrowBuffer(values)], []));
            }
            case StringType or BinaryType:
            {
                long bytes = 0;
                foreach (var p in parts)
                {
                    var o = Offsets(p);
                    bytes += o[^1] - o[0];
                }
                var data = GC.AllocateUninitializedArray<byte>(checked((int)bytes));
                var offsetBytes = GC.AllocateUninitializedArray<byte>((n + 1) * 4);
                var offsets = MemoryMarshal.Cast<byte, int>(offsetBytes.AsSpan());
                offsets[0] = 0;
                int row = 0, pos = 0;
                foreach (var p in parts)
                {
                    var o = Offsets(p);
                    var first = o[0];
                    var size = o[^1] - first;
                    if (size > 0) p.Data.Buffers[2].Span.Slice(first, size).CopyTo(data.AsSpan(pos));
                    var shift = pos - first;
                    for (var i = 1; i < o.Length; i++) offsets[row + i] = o[i] + shift;
                    row += p.Length;
                    pos += size;
                }
                return ArrowArrayFactory.BuildArray(new ArrayData(type, n, nulls, 0,
                    [Validity(parts, n, nulls), new ArrowBuffer(offsetBytes), new ArrowBuffer(data)], []));
            }
            case StructType st:
            {
                var children = new IArrowArray[st.Fields.Count];
                var childParts = new IArrowArray[parts.Count];
                for (var f = 0; f < children.Length; f++)
                {
                    // Arrow slices a struct's children to the struct's own offset and length.
                    for (var i = 0; i < parts.Count; i++) childParts[i] = ((StructArray)parts[i]).Fields[f];
                    children[f] = Concat(childParts);
                }
                return new StructArray(st, n, children, Validity(parts, n, nulls), nulls, 0);
            }
            default:
                return ArrowArrayConcatenator.Concatenate(parts.ToList(), ManagedMemoryAllocator.Instance);
        }
    }

    private static ReadOnlySpan<int> Offsets(IArrowArray part) =>
        MemoryMarshal.Cast<byte, int>(part.Data.Buffers[1].Span).Slice(part.Offset, part.Length + 1);

    private static ArrowBuffer Validity(IReadOnlyList<IArrowArray> parts, int n, int nulls)
    {
        if (nulls == 0) return ArrowBuffer.Empty;
        var bits = new byte[BitUtility.ByteCount(n)];
        var at = 0;
        foreach (var p in parts)
        {
            if (p.NullCount == 0) SetRange(bits, at, p.Length);
            else if (p.NullCount < p.Length) CopyBits(p.Data.Buffers[0].Span, p.Offset, bits, at, p.Length);
            at += p.Length;
        }
        return new ArrowBuffer(bits);
    }

    private static void SetRange(byte[] bits, int start, int length)
    {
        var i = start;
        var end = start + length;
        for (; i < end && (i & 7) != 0; i++) Bitmaps.Set(bits, i);
        var whole = (end - i) >> 3;
        bits.AsSpan(i >> 3, whole).Fill(0xFF);
        for (i += whole << 3; i < end; i++) Bitmaps.Set(bits, i);
    }

    // Copies length bits from src (from bit srcOffset) into dst (from bit dstOffset, whose bits there are still zero).
    private static void CopyBits(ReadOnlySpan<byte> src, int srcOffset, byte[] dst, int dstOffset, int length)
    {
        if ((srcOffset & 7) == 0 && (dstOffset & 7) == 0)
        {
            var whole = length >> 3;
            src.Slice(srcOffset >> 3, whole).CopyTo(dst.AsSpan(dstOffset >> 3));
            for (var i = whole << 3; i < length; i++) if (BitUtility.GetBit(src, srcOffset + i)) Bitmaps.Set(dst, dstOffset + i);
            return;
        }
        for (var i = 0; i < length; i++) if (BitUtility.GetBit(src, srcOffset + i)) Bitmaps.Set(dst, dstOffset + i);
    }
}
