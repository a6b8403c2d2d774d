using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OrleansStream.Engine.Expressions.Kernels;

/// <summary>Element-wise + - * loops over spans, column with column or with a constant on either side, in Vector256
/// lanes where the element type has them. Null rows are computed too (their garbage is masked by validity).</summary>
internal static class ArithmeticLoops
{
    /// <summary>z[i] = x[i] op y[i].</summary>
    public static void ColumnColumn<T, TOp>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z)
        where T : unmanaged, INumber<T> where TOp : IArithmeticOp
    {
        var n = z.Length;
        var i = 0;
        if (UseVectors<T>())
        {
            ref var x0 = ref MemoryMarshal.GetReference(x);
            ref var y0 = ref MemoryMarshal.GetReference(y);
            ref var z0 = ref MemoryMarshal.GetReference(z);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
                TOp.Apply(Vector256.LoadUnsafe(ref x0, (nuint)i), Vector256.LoadUnsafe(ref y0, (nuint)i)).StoreUnsafe(ref z0, (nuint)i);
        }
        for (; i < n; i++) z[i] = TOp.Apply(x[i], y[i]);
    }

    /// <summary>z[i] = x[i] op c.</summary>
    public static void ColumnScalar<T, TOp>(ReadOnlySpan<T> x, T c, Span<T> z)
        where T : unmanaged, INumber<T> where TOp : IArithmeticOp
    {
        var n = z.Length;
        var i = 0;
        if (UseVectors<T>())
        {
            ref var x0 = ref MemoryMarshal.GetReference(x);
            ref var z0 = ref MemoryMarshal.GetReference(z);
            var vc = Vector256.Create(c);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
                TOp.Apply(Vector256.LoadUnsafe(ref x0, (nuint)i), vc).StoreUnsafe(ref z0, (nuint)i);
        }
        for (; i < n; i++) z[i] = TOp.Apply(x[i], c);
    }

    /// <summary>z[i] = c op y[i].</summary>
    public static void ScalarColumn<T, TOp>(T c, ReadOnlySpan<T> y, Span<T> z)
        where T : unmanaged, INumber<T> where TOp : IArithmeticOp
    {
        var n = z.Length;
        var i = 0;
        if (UseVectors<T>())
        {
            ref var y0 = ref MemoryMarshal.GetReference(y);
            ref var z0 = ref MemoryMarshal.GetReference(z);
            var vc = Vector256.Create(c);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
                TOp.Apply(vc, Vector256.LoadUnsafe(ref y0, (nuint)i)).StoreUnsafe(ref z0, (nuint)i);
        }
        for (; i < n; i++) z[i] = TOp.Apply(c, y[i]);
    }

    /// <summary>z[i] = (double)x[i] op k, or k op (double)x[i] when <paramref name="constantLeft"/>: an integer column with a
    /// double constant (q1's price * 0.908). A loop of its own: on x64 Unix no vector register survives a call, so in its
    /// caller's body the JIT kept k on the stack and stored and reloaded it every row (2.8 ns a row against 0.6 here).</summary>
    public static void IntegralByDouble<T, TOp>(ReadOnlySpan<T> x, double k, bool constantLeft, Span<double> z)
        where T : unmanaged, INumber<T> where TOp : IArithmeticOp
    {
        var n = z.Length;
        var i = 0;
        // long to double lane by lane is one instruction only with AVX-512DQ; it rounds as the scalar conversion does.
        if (typeof(T) == typeof(long) && Vector256.IsHardwareAccelerated && Avx512DQ.VL.IsSupported)
        {
            ref var x0 = ref Unsafe.As<T, long>(ref MemoryMarshal.GetReference(x));
            ref var z0 = ref MemoryMarshal.GetReference(z);
            var vk = Vector256.Create(k);
            for (; i <= n - Vector256<long>.Count; i += Vector256<long>.Count)
            {
                var v = Vector256.ConvertToDouble(Vector256.LoadUnsafe(ref x0, (nuint)i));
                (constantLeft ? TOp.Apply(vk, v) : TOp.Apply(v, vk)).StoreUnsafe(ref z0, (nuint)i);
            }
        }
        if (constantLeft)
            for (; i < n; i++) z[i] = TOp.Apply(k, double.CreateTruncating(x[i]));
        else
            for (; i < n; i++) z[i] = TOp.Apply(double.CreateTruncating(x[i]), k);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool UseVectors<T>() => Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported;
}
