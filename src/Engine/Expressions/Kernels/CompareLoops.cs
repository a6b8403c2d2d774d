using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace OrleansStream.Engine.Expressions.Kernels;

/// <summary>
/// Typed comparison loops that write the result bitmap 64 rows (one word) at a time, with Vector256 lanes where the
/// type allows. Rows that are null in an input get an arbitrary bit: the caller's validity bitmap masks them.
/// </summary>
internal static class CompareLoops
{
    /// <summary>Bit i = <c>x[i] op y[i]</c>, inverted when <paramref name="negate"/> (so != &lt;= &gt;= reuse = &gt; &lt;).</summary>
    public static byte[] ColumnColumn<T, TOp>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, bool negate)
        where T : unmanaged, INumber<T> where TOp : ICompareOp
    {
        var n = x.Length;
        var bits = NewBits(n, out var words);
        ref var x0 = ref MemoryMarshal.GetReference(x);
        ref var y0 = ref MemoryMarshal.GetReference(y);
        var full = n >> 6;
        for (var w = 0; w < full; w++)
        {
            var start = w << 6;
            ulong word = 0;
            if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
            {
                for (var j = 0; j < 64; j += Vector256<T>.Count)
                {
                    var k = (nuint)(start + j);
                    var m = TOp.Test(Vector256.LoadUnsafe(ref x0, k), Vector256.LoadUnsafe(ref y0, k));
                    word |= (ulong)m.ExtractMostSignificantBits() << j;
                }
            }
            else
            {
                for (var j = 0; j < 64; j++)
                    word |= (TOp.Test(Unsafe.Add(ref x0, start + j), Unsafe.Add(ref y0, start + j)) ? 1UL : 0UL) << j;
            }
            words[w] = negate ? ~word : word;
        }
        if ((n & 63) != 0)
        {
            ulong word = 0;
            for (var i = full << 6; i < n; i++)
                word |= (TOp.Test(x[i], y[i]) ? 1UL : 0UL) << (i & 63);
            words[full] = Tail(word, n, negate);
        }
        return bits;
    }

    /// <summary>Bit i = <c>x[i] op y</c>, inverted when <paramref name="negate"/>.</summary>
    public static byte[] ColumnScalar<T, TOp>(ReadOnlySpan<T> x, T y, bool negate)
        where T : unmanaged, INumber<T> where TOp : ICompareOp
    {
        var n = x.Length;
        var bits = NewBits(n, out var words);
        ref var x0 = ref MemoryMarshal.GetReference(x);
        var full = n >> 6;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            var vy = Vector256.Create(y);
            for (var w = 0; w < full; w++)
            {
                var start = w << 6;
                ulong word = 0;
                for (var j = 0; j < 64; j += Vector256<T>.Count)
                    word |= (ulong)TOp.Test(Vector256.LoadUnsafe(ref x0, (nuint)(start + j)), vy).ExtractMostSignificantBits() << j;
                words[w] = negate ? ~word : word;
            }
        }
        else
        {
            for (var w = 0; w < full; w++)
            {
                var start = w << 6;
                ulong word = 0;
                for (var j = 0; j < 64; j++)
                    word |= (TOp.Test(Unsafe.Add(ref x0, start + j), y) ? 1UL : 0UL) << j;
                words[w] = negate ? ~word : word;
            }
        }
        if ((n & 63) != 0)
        {
            ulong word = 0;
            for (var i = full << 6; i < n; i++)
                word |= (TOp.Test(x[i], y) ? 1UL : 0UL) << (i & 63);
            words[full] = Tail(word, n, negate);
        }
        return bits;
    }

    /// <summary>A zeroed bitmap for <paramref name="n"/> bits, padded to whole 64-bit words so the loops can store words.</summary>
    private static byte[] NewBits(int n, out Span<ulong> words)
    {
        var bits = new byte[((n + 63) >> 6) << 3];
        words = MemoryMarshal.Cast<byte, ulong>(bits.AsSpan());
        return bits;
    }

    // the bits past n stay clear so the bitmap's padding never reads as set rows
    private static ulong Tail(ulong word, int n, bool negate) => negate ? ~word & ((1UL << (n & 63)) - 1) : word;
}
