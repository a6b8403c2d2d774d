using Apache.Arrow;

namespace OrleansStream.Engine.Expressions.Kernels;

/// <summary>Validity and boolean bitmaps as offset-0 byte arrays (null = "all valid").</summary>
internal static class Bitmaps
{
    /// <summary>The validity of <paramref name="array"/> as a fresh offset-0 bitmap, or null when it has no nulls.</summary>
    public static byte[]? Validity(IArrowArray array)
    {
        if (array.NullCount == 0) return null;
        if (array is NullArray || array.Data.DataType.TypeId == Apache.Arrow.Types.ArrowTypeId.Null)
            return new byte[BitUtility.ByteCount(array.Length)];
        var buf = array.Data.Buffers[0];
        if (buf.IsEmpty) return null;
        return CopyBits(buf.Span, array.Offset, array.Length);
    }

    /// <summary>The value bits of a boolean array as an offset-0 bitmap.</summary>
    public static byte[] Values(BooleanArray array) => CopyBits(array.ValueBuffer.Span, array.Offset, array.Length);

    /// <summary>Copies <paramref name="length"/> bits starting at bit <paramref name="offset"/> into a new offset-0 bitmap.</summary>
    public static byte[] CopyBits(ReadOnlySpan<byte> src, int offset, int length)
    {
        var dst = new byte[BitUtility.ByteCount(length)];
        if ((offset & 7) == 0)
        {
            var bytes = Math.Min(dst.Length, src.Length - (offset >> 3));
            src.Slice(offset >> 3, bytes).CopyTo(dst);
        }
        else
        {
            for (var i = 0; i < length; i++)
                if (BitUtility.GetBit(src, offset + i)) dst[i >> 3] |= (byte)(1 << (i & 7));
        }
        return dst;
    }

    /// <summary>Bitwise AND of two validity bitmaps (null = all valid).</summary>
    public static byte[]? And(byte[]? a, byte[]? b)
    {
        if (a is null) return b is null ? null : (byte[])b.Clone();
        if (b is null) return (byte[])a.Clone();
        var r = new byte[a.Length];
        for (var i = 0; i < r.Length; i++) r[i] = (byte)(a[i] & b[i]);
        return r;
    }

    /// <summary>The validity of rows valid in both arrays.</summary>
    public static byte[]? AndValidity(IArrowArray a, IArrowArray b)
    {
        if (a.NullCount == 0 && b.NullCount == 0) return null;
        var va = Validity(a);
        var vb = Validity(b);
        if (va is null) return vb;
        if (vb is null) return va;
        for (var i = 0; i < va.Length; i++) va[i] &= vb[i];
        return va;
    }

    /// <summary>All-ones bitmap for <paramref name="length"/> bits.</summary>
    public static byte[] AllSet(int length)
    {
        var r = new byte[BitUtility.ByteCount(length)];
        r.AsSpan().Fill(0xFF);
        return r;
    }

    /// <summary>Number of unset bits among the first <paramref name="length"/>.</summary>
    public static int NullCount(byte[]? validity, int length) =>
        validity is null || length == 0 ? 0 : length - BitUtility.CountBits(validity, 0, length);

    /// <summary>A validity bitmap buffer, or empty when <paramref name="validity"/> is null or all set.</summary>
    public static ArrowBuffer ToBuffer(byte[]? validity, int length, out int nullCount)
    {
        nullCount = NullCount(validity, length);
        return nullCount == 0 || validity is null ? ArrowBuffer.Empty : new ArrowBuffer(validity);
    }

    public static bool Get(byte[]? bitmap, int i) => bitmap is null || (bitmap[i >> 3] & (1 << (i & 7))) != 0;

    public static void Set(byte[] bitmap, int i) => bitmap[i >> 3] |= (byte)(1 << (i & 7));

    public static void Clear(byte[] bitmap, int i) => bitmap[i >> 3] &= (byte)~(1 << (i & 7));
}
