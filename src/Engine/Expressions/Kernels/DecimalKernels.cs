using System.Numerics;
using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace OrleansStream.Engine.Expressions.Kernels;

/// <summary>
/// Decimal casts and + - * on the unscaled 128-bit integers Arrow stores, instead of a System.Decimal per row.
/// The paths that rescale or compute are taken only up to precision 28: every such value and every intermediate result
/// is exact in System.Decimal too, so they give exactly the results of the row-by-row path (round half away from zero
/// when the scale drops, null when a value does not fit its precision). Wider types keep the row path.
/// </summary>
internal static class DecimalKernels
{
    /// <summary>The widest precision handled here (System.Decimal holds 28 digits exactly).</summary>
    public const int MaxFastPrecision = 28;

    private static readonly Int128[] Powers = BuildPowers();

    private static Int128[] BuildPowers()
    {
        var p = new Int128[39];
        p[0] = 1;
        for (var i = 1; i < p.Length; i++) p[i] = p[i - 1] * 10;
        return p;
    }

    /// <summary>10^<paramref name="n"/> for n in 0..38.</summary>
    public static Int128 Pow10(int n) => Powers[n];

    /// <summary>The unscaled values of <paramref name="a"/> (Arrow's little-endian two's complement is Int128's layout).</summary>
    public static ReadOnlySpan<Int128> Values(Decimal128Array a) =>
        MemoryMarshal.Cast<byte, Int128>(a.ValueBuffer.Span).Slice(a.Offset, a.Length);

    private static bool IsFast(Decimal128Type t) => t.Precision <= MaxFastPrecision;

    /// <summary>An integral or decimal column cast to <paramref name="target"/>, or null when the row path must do it.</summary>
    public static IArrowArray? TryCast(IArrowArray src, Decimal128Type target)
    {
        if (src is Decimal128Array d) return IsFast((Decimal128Type)d.Data.DataType) && IsFast(target) ? Rescale(d, target) : null;
        // integers need no scaling at scale 0; otherwise stay where the row path is exact too
        if (!IsFast(target) && target.Scale != 0) return null;
        return src switch
        {
            Int8Array a => FromIntegral(a.Values, a, target),
            Int16Array a => FromIntegral(a.Values, a, target),
            Int32Array a => FromIntegral(a.Values, a, target),
            Int64Array a => FromIntegral(a.Values, a, target),
            _ => null,
        };
    }

    /// <summary>Integers scaled by 10^scale; null where the integer part has more digits than the type allows.</summary>
    private static IArrowArray FromIntegral<T>(ReadOnlySpan<T> x, IArrowArray src, Decimal128Type target) where T : IBinaryInteger<T>
    {
        var n = x.Length;
        var bytes = ArrayFactory.NewValues<Int128>(n);
        var z = MemoryMarshal.Cast<byte, Int128>(bytes.AsSpan());
        var validity = Bitmaps.Validity(src);
        var scale = Pow10(target.Scale);
        var intDigits = target.Precision - target.Scale;
        if (intDigits >= 19)
        {
            // every long has at most 19 digits: all fit
            for (var i = 0; i < n; i++) z[i] = long.CreateTruncating(x[i]) * scale;
        }
        else
        {
            var limit = (long)Pow10(intDigits);
            for (var i = 0; i < n; i++)
            {
                var v = long.CreateTruncating(x[i]);
                if (v < limit && v > -limit) z[i] = v * scale;
                else Unfit(ref validity, n, i);
            }
        }
        return ArrayFactory.Primitive(target, bytes, validity, n);
    }

    /// <summary>Decimal to decimal: exact when the scale grows, rounded half away from zero when it drops.</summary>
    private static IArrowArray Rescale(Decimal128Array a, Decimal128Type target)
    {
        var from = (Decimal128Type)a.Data.DataType;
        var x = Values(a);
        var n = x.Length;
        var bytes = ArrayFactory.NewValues<Int128>(n);
        var z = MemoryMarshal.Cast<byte, Int128>(bytes.AsSpan());
        var validity = Bitmaps.Validity(a);
        var k = target.Scale - from.Scale;
        var limit = Pow10(target.Precision);
        if (k >= 0)
        {
            // compare before scaling so the product cannot overflow
            var factor = Pow10(k);
            var bound = Pow10(target.Precision - k);
            for (var i = 0; i < n; i++)
            {
                var v = x[i];
                if (v < bound && v > -bound) z[i] = v * factor;
                else Unfit(ref validity, n, i);
            }
        }
        else
        {
            var divisor = Pow10(-k);
            for (var i = 0; i < n; i++)
            {
                var v = RoundDiv(x[i], divisor);
                if (v < limit && v > -limit) z[i] = v;
                else Unfit(ref validity, n, i);
            }
        }
        return ArrayFactory.Primitive(target, bytes, validity, n);
    }

    /// <summary><paramref name="v"/> / <paramref name="divisor"/> (a positive power of ten) rounded half away from zero,
    /// as Math.Round(..., MidpointRounding.AwayFromZero) does.</summary>
    internal static Int128 RoundDiv(Int128 v, Int128 divisor)
    {
        if (divisor <= long.MaxValue && v > long.MinValue && v <= long.MaxValue)
        {
            // 64-bit division is far cheaper than the 128-bit software one
            var s = (long)v;
            var d = (long)divisor;
            var q = s / d;
            var r = s - q * d;
            if ((ulong)Math.Abs(r) * 2 >= (ulong)d) q += s < 0 ? -1 : 1;
            return q;
        }
        var q128 = v / divisor;
        var r128 = v - q128 * divisor;
        if (Int128.Abs(r128) * 2 >= divisor) q128 += Int128.IsNegative(v) ? -1 : 1;
        return q128;
    }

    /// <summary>+ - * over integral or decimal operands (either may be a one-row constant) when the result type and the
    /// operands are at most <see cref="MaxFastPrecision"/> digits; null otherwise (and for / and %).</summary>
    public static IArrowArray? TryBinary(BinaryOp op, IArrowArray left, IArrowArray right, Decimal128Type result)
    {
        if (op is not (BinaryOp.Add or BinaryOp.Subtract or BinaryOp.Multiply) || !IsFast(result)) return null;
        if (!IsOperand(left) || !IsOperand(right)) return null;
        if (op == BinaryOp.Multiply && IntegralTimesConstant(left, right, result) is { } fused) return fused;
        // + and - work at the result's scale; * multiplies the unscaled values, whose scales add up to the result's
        // (the result type is not bounded at this precision, so s = s1 + s2)
        var l = op == BinaryOp.Multiply ? OwnDecimal(left) : TryCast(left, result);
        var r = op == BinaryOp.Multiply ? OwnDecimal(right) : TryCast(right, result);
        if (l is not Decimal128Array a || r is not Decimal128Array b) return null;
        if (op == BinaryOp.Multiply && Scale(a) + Scale(b) != result.Scale) return null;
        return Arithmetic(op, a, b, result);
    }

    /// <summary>An integral column times a decimal constant (<c>price * 0.908</c>): one exact 64 x 64-bit product per row,
    /// without a decimal copy of the integers in between. Null when the operands have another shape.</summary>
    private static IArrowArray? IntegralTimesConstant(IArrowArray left, IArrowArray right, Decimal128Type result)
    {
        var (column, constant) = left.Length == 1 && right.Length != 1 ? (right, left) : (left, right);
        if (constant.Length != 1 || constant is not Decimal128Array c || Scale(c) != result.Scale) return null;
        if (c.NullCount != 0) return ArrayFactory.Nulls(result, column.Length);
        var k = Values(c)[0];
        if (k > long.MaxValue || k < long.MinValue) return null;
        return column switch
        {
            Int8Array a => ScaleColumn(a.Values, a, (long)k, result),
            Int16Array a => ScaleColumn(a.Values, a, (long)k, result),
            Int32Array a => ScaleColumn(a.Values, a, (long)k, result),
            Int64Array a => ScaleColumn(a.Values, a, (long)k, result),
            _ => null,
        };
    }

    private static IArrowArray ScaleColumn<T>(ReadOnlySpan<T> x, IArrowArray src, long k, Decimal128Type result) where T : IBinaryInteger<T>
    {
        var n = x.Length;
        var bytes = ArrayFactory.NewValues<Int128>(n);
        var z = MemoryMarshal.Cast<byte, Int128>(bytes.AsSpan());
        var validity = Bitmaps.Validity(src);
        var limit = Pow10(result.Precision);
        for (var i = 0; i < n; i++)
        {
            var v = long.BigMul(long.CreateTruncating(x[i]), k);
            if (v < limit && v > -limit) z[i] = v;
            else Unfit(ref validity, n, i);
        }
        return ArrayFactory.Primitive(result, bytes, validity, n);
    }

    private static int Scale(IArrowArray a) => ((Decimal128Type)a.Data.DataType).Scale;

    private static bool IsOperand(IArrowArray a) =>
        a.Data.DataType is Int8Type or Int16Type or Int32Type or Int64Type || a.Data.DataType is Decimal128Type { Precision: <= MaxFastPrecision };

    private static IArrowArray? OwnDecimal(IArrowArray a) =>
        a is Decimal128Array ? a : TryCast(a, TypeCoercion.AsDecimal(a.Data.DataType));

    private static IArrowArray Arithmetic(BinaryOp op, Decimal128Array a, Decimal128Array b, Decimal128Type result)
    {
        var n = Math.Max(a.Length, b.Length);
        if (a.Length != b.Length && (a.Length == 1 ? a : b).NullCount != 0) return ArrayFactory.Nulls(result, n);
        var x = Values(a);
        var y = Values(b);
        var bytes = ArrayFactory.NewValues<Int128>(n);
        var z = MemoryMarshal.Cast<byte, Int128>(bytes.AsSpan());
        var validity = a.Length == b.Length ? Bitmaps.AndValidity(a, b) : Bitmaps.Validity(a.Length == 1 ? b : a);
        var limit = Pow10(result.Precision);
        // |operands| < 10^28, so sums and products (at most 27 digits when p1 + p2 + 1 <= 28) cannot overflow Int128
        if (a.Length == b.Length) Loop(op, x, y, z);
        else if (b.Length == 1) LoopScalarRight(op, x, y[0], z);
        else LoopScalarLeft(op, x[0], y, z);
        for (var i = 0; i < n; i++)
        {
            var v = z[i];
            if (v >= limit || v <= -limit) Unfit(ref validity, n, i);
        }
        return ArrayFactory.Primitive(result, bytes, validity, n);
    }

    private static void Loop(BinaryOp op, ReadOnlySpan<Int128> x, ReadOnlySpan<Int128> y, Span<Int128> z)
    {
        switch (op)
        {
            case BinaryOp.Add: for (var i = 0; i < z.Length; i++) z[i] = x[i] + y[i]; break;
            case BinaryOp.Subtract: for (var i = 0; i < z.Length; i++) z[i] = x[i] - y[i]; break;
            default: for (var i = 0; i < z.Length; i++) z[i] = x[i] * y[i]; break;
        }
    }

    private static void LoopScalarRight(BinaryOp op, ReadOnlySpan<Int128> x, Int128 c, Span<Int128> z)
    {
        switch (op)
        {
            case BinaryOp.Add: for (var i = 0; i < z.Length; i++) z[i] = x[i] + c; break;
            case BinaryOp.Subtract: for (var i = 0; i < z.Length; i++) z[i] = x[i] - c; break;
            default: for (var i = 0; i < z.Length; i++) z[i] = x[i] * c; break;
        }
    }

    private static void LoopScalarLeft(BinaryOp op, Int128 c, ReadOnlySpan<Int128> y, Span<Int128> z)
    {
        switch (op)
        {
            case BinaryOp.Add: for (var i = 0; i < z.Length; i++) z[i] = c + y[i]; break;
            case BinaryOp.Subtract: for (var i = 0; i < z.Length; i++) z[i] = c - y[i]; break;
            default: for (var i = 0; i < z.Length; i++) z[i] = c * y[i]; break;
        }
    }

    /// <summary>Unary minus (exact: a decimal's range is symmetric).</summary>
    public static IArrowArray Negate(Decimal128Array a)
    {
        var x = Values(a);
        var bytes = ArrayFactory.NewValues<Int128>(x.Length);
        var z = MemoryMarshal.Cast<byte, Int128>(bytes.AsSpan());
        for (var i = 0; i < z.Length; i++) z[i] = -x[i];
        return ArrayFactory.Primitive(a.Data.DataType, bytes, Bitmaps.Validity(a), x.Length);
    }

    private static void Unfit(ref byte[]? validity, int n, int i)
    {
        validity ??= Bitmaps.AllSet(n);
        Bitmaps.Clear(validity, i);
    }
}
