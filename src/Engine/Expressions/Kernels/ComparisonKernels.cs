using System.Numerics;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace OrleansStream.Engine.Expressions.Kernels;

/// <summary>= != &lt; &lt;= &gt; &gt;= and &lt;=&gt; over two arrays of a common comparable type; strings compare as UTF-8 bytes
/// (ordinal), doubles order NaN above every other value and NaN = NaN, as in Spark.</summary>
internal static class ComparisonKernels
{
    public static BooleanArray Compare(BinaryOp op, IArrowArray left, IArrowArray right, IArrowType commonType)
    {
        var l = CastKernels.Cast(left, commonType);
        var r = CastKernels.Cast(right, commonType);
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
