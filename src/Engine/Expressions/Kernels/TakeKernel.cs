using System.Buffers;
using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;

namespace OrleansStream.Engine.Expressions.Kernels;

/// <summary>Gathers rows of an array by index (a negative index yields null), for every supported type incl. nested
/// struct, list and map. Used to compact filtered batches, to repeat rows for explode and to pick CASE / coalesce results.</summary>
internal static class TakeKernel
{
    /// <summary>A new batch whose row i is row <c>indices[i]</c> of <paramref name="batch"/>.</summary>
    public static RecordBatch TakeRows(RecordBatch batch, ReadOnlySpan<int> indices) => TakeRows(batch, indices, null);

    /// <summary><see cref="TakeRows(RecordBatch, ReadOnlySpan{int})"/>, the columns written into arrays rented from
    /// <paramref name="buffers"/> (the owner of the batch made) where <see cref="Take"/> can.</summary>
    public static RecordBatch TakeRows(RecordBatch batch, ReadOnlySpan<int> indices, BatchBuffers? buffers)
    {
        var columns = new IArrowArray[batch.ColumnCount];
        for (var c = 0; c < columns.Length; c++) columns[c] = Take(batch.Column(c), indices, buffers);
        return new RecordBatch(batch.Schema, columns, indices.Length);
    }

    /// <summary>True when <see cref="Take"/> handles arrays of <paramref name="type"/>, children included.</summary>
    public static bool Supports(IArrowType type) => type switch
    {
        NullType or BooleanType or FixedWidthType or StringType or BinaryType => true,
        StructType or ListType or MapType => ((NestedType)type).Fields.All(f => Supports(f.DataType)),
        _ => false,
    };

    /// <summary>A new array whose row i is row <c>indices[i]</c> of <paramref name="array"/> (null when the index is negative).
    /// With <paramref name="buffers"/> (the batch's owner) and no negative index, a fixed-width or string column is written into
    /// arrays rented there: every byte of them is written, where a null row would leave a rented array's old bytes under it.</summary>
    public static IArrowArray Take(IArrowArray array, ReadOnlySpan<int> indices, BatchBuffers? buffers = null)
    {
        var data = array.Data;
        var type = data.DataType;
        var n = indices.Length;
        if (n == 0) return array.Length == 0 ? array : ArrowArrayFactory.Slice(array, 0, 0);
        if (buffers is not null && indices.IndexOfAnyInRange(int.MinValue, -1) >= 0) buffers = null;
        var validity = TakeValidity(array, indices);
        var nullBuffer = Bitmaps.ToBuffer(validity, n, out var nulls);
        switch (type)
        {
            case NullType:
                return new NullArray(n);
            case BooleanType:
            {
                var src = data.Buffers[1].Span;
                var bits = new byte[BitUtility.ByteCount(n)];
                for (var i = 0; i < n; i++)
                {
                    var k = indices[i];
                    if (k >= 0 && BitUtility.GetBit(src, data.Offset + k)) Bitmaps.Set(bits, i);
                }
                return new BooleanArray(new ArrowBuffer(bits), nullBuffer, n, nulls, 0);
            }
            case FixedWidthType fw:
            {
                var width = fw.BitWidth / 8;
                var dst = ArrayFactory.NewBuffer(n * width, buffers);
                var src = data.Buffers[1].Span[(data.Offset * width)..];
                switch (width)
                {
                    case 4: Gather(MemoryMarshal.Cast<byte, int>(src), MemoryMarshal.Cast<byte, int>(dst.Span), indices); break;
                    case 8: Gather(MemoryMarshal.Cast<byte, long>(src), MemoryMarshal.Cast<byte, long>(dst.Span), indices); break;
                    case 16: Gather(MemoryMarshal.Cast<byte, Int128>(src), MemoryMarshal.Cast<byte, Int128>(dst.Span), indices); break;
                    case 2: Gather(MemoryMarshal.Cast<byte, short>(src), MemoryMarshal.Cast<byte, short>(dst.Span), indices); break;
                    case 1: Gather(src, dst.Span, indices); break;
                    default:
                        for (var i = 0; i < n; i++)
                            if (indices[i] >= 0) src.Slice(indices[i] * width, width).CopyTo(dst.Span[(i * width)..]);
                        break;
                }
                return ArrowArrayFactory.BuildArray(new ArrayData(type, n, nulls, 0, [nullBuffer, new ArrowBuffer(dst)], []));
            }
            case StringType or BinaryType:
            {
                var offsets = MemoryMarshal.Cast<byte, int>(data.Buffers[1].Span).Slice(data.Offset, data.Length + 1);
                var values = data.Buffers[2].Span;
                var total = 0L;
                for (var i = 0; i < n; i++)
                {
                    var k = indices[i];
                    if (k >= 0) total += offsets[k + 1] - offsets[k];
                }
                var newOffsets = ArrayFactory.NewBuffer((n + 1) * 4, buffers);
                var no = MemoryMarshal.Cast<byte, int>(newOffsets.Span);
                no[0] = 0;
                var dst = ArrayFactory.NewBuffer(checked((int)total), buffers);
                var pos = 0;
                for (var i = 0; i < n; i++)
                {
                    var k = indices[i];
                    if (k >= 0)
                    {
                        var len = offsets[k + 1] - offsets[k];
                        values.Slice(offsets[k], len).CopyTo(dst.Span[pos..]);
                        pos += len;
                    }
                    no[i + 1] = pos;
                }
                return ArrowArrayFactory.BuildArray(new ArrayData(type, n, nulls, 0, [nullBuffer, new ArrowBuffer(newOffsets), new ArrowBuffer(dst)], []));
            }
            case StructType st:
            {
                var s = (StructArray)array;
                var children = new IArrowArray[st.Fields.Count];
                for (var f = 0; f < children.Length; f++) children[f] = Take(s.Fields[f], indices);
                return new StructArray(st, n, children, nullBuffer, nulls, 0);
            }
            case ListType or MapType:
            {
                var l = (ListArray)array;
                var offsets = l.ValueOffsets;
                var total = 0;
                for (var i = 0; i < n; i++)
                {
                    var k = indices[i];
                    if (k >= 0) total += offsets[k + 1] - offsets[k];
                }
                var childIdx = new int[total];
                var newOffsets = new int[n + 1];
                var pos = 0;
                for (var i = 0; i < n; i++)
                {
                    var k = indices[i];
                    if (k >= 0)
                        for (var j = offsets[k]; j < offsets[k + 1]; j++) childIdx[pos++] = j;
                    newOffsets[i + 1] = pos;
                }
                var child = Take(l.Values, childIdx);
                var offsetBytes = new byte[(n + 1) * 4];
                MemoryMarshal.AsBytes(newOffsets.AsSpan()).CopyTo(offsetBytes);
                return ArrowArrayFactory.BuildArray(new ArrayData(type, n, nulls, 0, [nullBuffer, new ArrowBuffer(offsetBytes)], [child.Data]));
            }
            default:
                throw new NotSupportedException($"Take is not supported for Arrow type {type.Name}.");
        }
    }

    private static void Gather<T>(ReadOnlySpan<T> src, Span<T> dst, ReadOnlySpan<int> indices) where T : unmanaged
    {
        for (var i = 0; i < indices.Length; i++)
        {
            var k = indices[i];
            if (k >= 0) dst[i] = src[k];
        }
    }

    private static byte[]? TakeValidity(IArrowArray array, ReadOnlySpan<int> indices)
    {
        var n = indices.Length;
        var hasNegative = false;
        foreach (var k in indices)
            if (k < 0) { hasNegative = true; break; }
        if (array.NullCount == 0 && !hasNegative) return null;
        var result = new byte[BitUtility.ByteCount(n)];
        if (array.NullCount == 0)
        {
            for (var i = 0; i < n; i++)
                if (indices[i] >= 0) Bitmaps.Set(result, i);
            return result;
        }
        if (array.Data.DataType.TypeId == ArrowTypeId.Null) return result;
        var src = array.Data.Buffers[0].Span;
        var off = array.Offset;
        for (var i = 0; i < n; i++)
        {
            var k = indices[i];
            if (k >= 0 && BitUtility.GetBit(src, off + k)) Bitmaps.Set(result, i);
        }
        return result;
    }

    /// <summary>Row i of the result is row i of <c>sources[choice[i]]</c> (null when the choice is negative).
    /// All sources must have the same type and length.</summary>
    public static IArrowArray Choose(IReadOnlyList<IArrowArray> sources, ReadOnlySpan<int> choice, IArrowType type)
    {
        var n = choice.Length;
        if (type is NullType) return new NullArray(n);
        if (sources.Count == 1)
        {
            var same = true;
            foreach (var c in choice) if (c != 0) { same = false; break; }
            if (same) return sources[0];
        }
        var all = sources.Count == 1 ? sources[0] : ArrowArrayConcatenator.Concatenate(sources.ToList(), ManagedMemoryAllocator.Instance);
        // the gather indices are scratch: pooled rather than a fresh large allocation per call
        var rented = ArrayPool<int>.Shared.Rent(n);
        try
        {
            var idx = rented.AsSpan(0, n);
            for (var i = 0; i < n; i++) idx[i] = choice[i] < 0 ? -1 : choice[i] * n + i;
            return Take(all, idx);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rented);
        }
    }
}
