using System.Numerics;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace OrleansStream.Engine.Expressions.Kernels;

/// <summary>= != &lt; &lt;= &gt; &gt;= and &lt;=&gt; over two arrays of a common comparable type; strings compare as UTF-8 bytes
/// (ordinal), doubles order NaN above every other value and NaN = NaN, as in Spark.</summary>
internal static class ComparisonKernels
{
    /// <summary>Compares two arrays of the same length, or an array and a one-row constant (either side), after casting
    /// both to <paramref name="commonType"/>.</summary>
    public static BooleanArray Compare(BinaryOp op, IArrowArray left, IArrowArray right, IArrowType commonType)
    {
        var l = CastKernels.Cast(left, commonType);
        var r = CastKernels.Cast(right, commonType);
        if (l.Length != r.Length)
        {
            if (op != BinaryOp.EqualNullSafe)
            {
                if (l.Length == 1)
                {
                    (l, r) = (r, l);
                    op = Mirror(op);
                }
                if (r.NullCount != 0) return (BooleanArray)ArrayFactory.Nulls(BooleanType.Default, l.Length);
                if (TryTyped(op, l, r, scalar: true) is { } s) return s;
            }
            if (l.Length == 1) l = ArrayFactory.Expand(l, r.Length);
            else r = ArrayFactory.Expand(r, l.Length);
        }
        if (op != BinaryOp.EqualNullSafe && TryTyped(op, l, r, scalar: false) is { } typed) return typed;
        return General(op, l, r, commonType);
    }

    /// <summary>The operator with its sides swapped (c &lt; x is x &gt; c).</summary>
    private static BinaryOp Mirror(BinaryOp op) => op switch
    {
        BinaryOp.LessThan => BinaryOp.GreaterThan,
        BinaryOp.LessThanOrEqual => BinaryOp.GreaterThanOrEqual,
        BinaryOp.GreaterThan => BinaryOp.LessThan,
        BinaryOp.GreaterThanOrEqual => BinaryOp.LessThanOrEqual,
        _ => op,
    };

    /// <summary>Numbers, timestamps, dates and decimals compared straight into a bitmap; null for other types.</summary>
    private static BooleanArray? TryTyped(BinaryOp op, IArrowArray l, IArrowArray r, bool scalar)
    {
        var n = l.Length;
        byte[]? bits = (l, r) switch
        {
            (Int8Array a, Int8Array b) => Bits(op, a.Values, b.Values, scalar),
            (Int16Array a, Int16Array b) => Bits(op, a.Values, b.Values, scalar),
            (Int32Array a, Int32Array b) => Bits(op, a.Values, b.Values, scalar),
            (Int64Array a, Int64Array b) => Bits(op, a.Values, b.Values, scalar),
            (TimestampArray a, TimestampArray b) => Bits(op, a.Values, b.Values, scalar),
            (Date32Array a, Date32Array b) => Bits(op, a.Values, b.Values, scalar),
            (FloatArray a, FloatArray b) => Bits(op, a.Values, b.Values, scalar),
            (DoubleArray a, DoubleArray b) => Bits(op, a.Values, b.Values, scalar),
            (Decimal128Array a, Decimal128Array b) => Bits(op, DecimalKernels.Values(a), DecimalKernels.Values(b), scalar),
            _ => null,
        };
        if (bits is null) return null;
        var validity = scalar ? Bitmaps.Validity(l) : Bitmaps.AndValidity(l, r);
        return ArrayFactory.Boolean(bits, validity, n);
    }

    private static byte[] Bits<T>(BinaryOp op, ReadOnlySpan<T> x, ReadOnlySpan<T> y, bool scalar) where T : unmanaged, INumber<T>
    {
        // != <= >= are the negations of = > < under Spark's total order (NaN largest, NaN = NaN)
        return op switch
        {
            BinaryOp.Equal => Bits<T, EqualOp>(x, y, scalar, negate: false),
            BinaryOp.NotEqual => Bits<T, EqualOp>(x, y, scalar, negate: true),
            BinaryOp.LessThan => Bits<T, LessOp>(x, y, scalar, negate: false),
            BinaryOp.GreaterThanOrEqual => Bits<T, LessOp>(x, y, scalar, negate: true),
            BinaryOp.GreaterThan => Bits<T, GreaterOp>(x, y, scalar, negate: false),
            BinaryOp.LessThanOrEqual => Bits<T, GreaterOp>(x, y, scalar, negate: true),
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, "not a comparison"),
        };
    }

    private static byte[] Bits<T, TOp>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, bool scalar, bool negate)
        where T : unmanaged, INumber<T> where TOp : ICompareOp =>
        scalar ? CompareLoops.ColumnScalar<T, TOp>(x, y[0], negate) : CompareLoops.ColumnColumn<T, TOp>(x, y, negate);

    /// <summary>The row-by-row path through a -1/0/1 vector: strings, booleans, nulls and &lt;=&gt;.</summary>
    private static BooleanArray General(BinaryOp op, IArrowArray l, IArrowArray r, IArrowType commonType)
    {
        var n = l.Length;
        // cmp[i] in {-1, 0, 1}
        var cmp = new sbyte[n];
        switch (l, r)
        {
            case (Int8Array a, Int8Array b): Ordered(a.Values, b.Values, cmp); break;
            case (Int16Array a, Int16Array b): Ordered(a.Values, b.Values, cmp); break;
            case (Int32Array a, Int32Array b): Ordered(a.Values, b.Values, cmp); break;
            case (Int64Array a, Int64Array b): Ordered(a.Values, b.Values, cmp); break;
            case (TimestampArray a, TimestampArray b): Ordered(a.Values, b.Values, cmp); break;
            case (Date32Array a, Date32Array b): Ordered(a.Values, b.Values, cmp); break;
            case (FloatArray a, FloatArray b): Floating(a.Values, b.Values, cmp); break;
            case (DoubleArray a, DoubleArray b): Floating(a.Values, b.Values, cmp); break;
            case (BinaryArray a, BinaryArray b):
            {
                var ao = a.ValueOffsets;
                var bo = b.ValueOffsets;
                var av = a.Values;
                var bv = b.Values;
                for (var i = 0; i < n; i++)
                    cmp[i] = (sbyte)Math.Sign(av[ao[i]..ao[i + 1]].SequenceCompareTo(bv[bo[i]..bo[i + 1]]));
                break;
            }
            case (BooleanArray a, BooleanArray b):
            {
                var ab = a.ValueBuffer.Span;
                var bb = b.ValueBuffer.Span;
                for (var i = 0; i < n; i++)
                {
                    var x = BitUtility.GetBit(ab, a.Offset + i) ? 1 : 0;
                    var y = BitUtility.GetBit(bb, b.Offset + i) ? 1 : 0;
                    cmp[i] = (sbyte)(x - y);
                }
                break;
            }
            case (Decimal128Array a, Decimal128Array b):
                for (var i = 0; i < n; i++)
                    if (a.GetValue(i) is { } x && b.GetValue(i) is { } y) cmp[i] = (sbyte)x.CompareTo(y);
                break;
            case (NullArray, NullArray):
                break;
            default:
                throw new AnalysisException($"[DATATYPE_MISMATCH] Cannot compare values of type {commonType.Name}.");
        }
        var bits = new byte[BitUtility.ByteCount(n)];
        byte[]? validity;
        if (op == BinaryOp.EqualNullSafe)
        {
            var va = Bitmaps.Validity(l);
            var vb = Bitmaps.Validity(r);
            for (var i = 0; i < n; i++)
            {
                var xa = Bitmaps.Get(va, i);
                var xb = Bitmaps.Get(vb, i);
                if (xa && xb ? cmp[i] == 0 : xa == xb) Bitmaps.Set(bits, i);
            }
            validity = null;
        }
        else
        {
            validity = Bitmaps.AndValidity(l, r);
            switch (op)
            {
                case BinaryOp.Equal: for (var i = 0; i < n; i++) if (cmp[i] == 0) Bitmaps.Set(bits, i); break;
                case BinaryOp.NotEqual: for (var i = 0; i < n; i++) if (cmp[i] != 0) Bitmaps.Set(bits, i); break;
                case BinaryOp.LessThan: for (var i = 0; i < n; i++) if (cmp[i] < 0) Bitmaps.Set(bits, i); break;
                case BinaryOp.LessThanOrEqual: for (var i = 0; i < n; i++) if (cmp[i] <= 0) Bitmaps.Set(bits, i); break;
                case BinaryOp.GreaterThan: for (var i = 0; i < n; i++) if (cmp[i] > 0) Bitmaps.Set(bits, i); break;
                case BinaryOp.GreaterThanOrEqual: for (var i = 0; i < n; i++) if (cmp[i] >= 0) Bitmaps.Set(bits, i); break;
                default: throw new ArgumentOutOfRangeException(nameof(op), op, "not a comparison");
            }
        }
        return ArrayFactory.Boolean(bits, validity, n);
    }

    private static void Ordered<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<sbyte> cmp) where T : unmanaged, IComparisonOperators<T, T, bool>
    {
        for (var i = 0; i < cmp.Length; i++)
        {
            var x = a[i];
            var y = b[i];
            cmp[i] = x < y ? (sbyte)-1 : x > y ? (sbyte)1 : (sbyte)0;
        }
    }

    private static void Floating<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<sbyte> cmp) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var i = 0; i < cmp.Length; i++)
        {
            var x = a[i];
            var y = b[i];
            if (x < y) cmp[i] = -1;
            else if (x > y) cmp[i] = 1;
            else if (x == y) cmp[i] = 0;
            else cmp[i] = (sbyte)(T.IsNaN(x) ? (T.IsNaN(y) ? 0 : 1) : -1);
        }
    }
}
