using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace OrleansStream.Engine.Data;

/// <summary>Raw span views of Arrow arrays for column-at-a-time kernels: typed values, validity bits and the offsets and
/// bytes of string/binary columns, all already adjusted for the array's slice offset where the layout allows.</summary>
internal static class ArrowSpans
{
    private static readonly int[] ZeroOffset = [0];

    /// <summary>The values of a fixed-width array (integers, floats, timestamp, date, decimal128 as <see cref="Int128"/>), offset applied.</summary>
    public static ReadOnlySpan<T> Values<T>(IArrowArray array) where T : unmanaged
    {
        var data = array.Data;
        return MemoryMarshal.Cast<byte, T>(data.Buffers[1].Span).Slice(data.Offset, data.Length);
    }

    /// <summary>The validity bitmap, or an empty span when every row is valid. Index it with <c>Offset + row</c>
    /// (see <see cref="IsValid"/>). Null-typed arrays must be handled by the caller via <see cref="AllNull"/>.</summary>
    public static ReadOnlySpan<byte> Validity(IArrowArray array)
    {
        if (array.NullCount == 0) return default;
        var buffers = array.Data.Buffers;
        return buffers.Length == 0 ? default : buffers[0].Span;
    }

    /// <summary>True when row <paramref name="index"/> is valid under a bitmap from <see cref="Validity"/>.</summary>
    public static bool IsValid(ReadOnlySpan<byte> validity, int offset, int index) =>
        validity.IsEmpty || BitUtility.GetBit(validity, offset + index);

    /// <summary>True when every row is null (including arrays of the null type, which have no validity buffer).</summary>
    public static bool AllNull(IArrowArray array) =>
        array.Data.DataType.TypeId == ArrowTypeId.Null || (array.Length > 0 && array.NullCount == array.Length);

    /// <summary>The <c>Length + 1</c> value offsets of a string or binary array, offset applied.</summary>
    public static ReadOnlySpan<int> Offsets(IArrowArray array)
    {
        var data = array.Data;
        // An empty array may come without an offsets buffer (e.g. from IPC).
        if (data.Length == 0) return ZeroOffset;
        return MemoryMarshal.Cast<byte, int>(data.Buffers[1].Span).Slice(data.Offset, data.Length + 1);
    }

    /// <summary>The value bytes of a string or binary array (index with <see cref="Offsets"/>).</summary>
    public static ReadOnlySpan<byte> Bytes(IArrowArray array)
    {
        var data = array.Data;
        return data.Length == 0 || data.Buffers.Length < 3 ? default : data.Buffers[2].Span;
    }

    /// <summary>A boolean array's values as one byte (0 or 1) per row, written into <paramref name="scratch"/> (grown as needed)
    /// so that boolean columns can share the fixed-width code paths.</summary>
    public static ReadOnlySpan<byte> BooleansAsBytes(IArrowArray array, ref byte[]? scratch)
    {
        var data = array.Data;
        var n = data.Length;
        if (scratch is null || scratch.Length < n) scratch = new byte[Math.Max(n, 16)];
        var bits = data.Buffers[1].Span;
        var offset = data.Offset;
        for (var i = 0; i < n; i++) scratch[i] = BitUtility.GetBit(bits, offset + i) ? (byte)1 : (byte)0;
        return scratch.AsSpan(0, n);
    }

    /// <summary>The values of a fixed-width or boolean array as <typeparamref name="T"/>; booleans (read as bytes) go through
    /// <paramref name="scratch"/>.</summary>
    public static ReadOnlySpan<T> FixedValues<T>(IArrowArray array, ref byte[]? scratch) where T : unmanaged
    {
        if (array.Data.DataType.TypeId != ArrowTypeId.Boolean) return Values<T>(array);
        return MemoryMarshal.Cast<byte, T>(BooleansAsBytes(array, ref scratch));
    }
}
