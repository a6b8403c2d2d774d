using System.Numerics;
using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;

namespace OrleansStream.Engine.Expressions.Kernels;

/// <summary>+ - * / % and unary minus over two arrays already cast to the result type (Spark non-ANSI: integer overflow
/// wraps, division or modulo by zero gives null).</summary>
internal static class ArithmeticKernels
{
    /// <summary><paramref name="left"/> op <paramref name="right"/> as <paramref name="resultType"/>; either side may be a
    /// one-row constant, broadcast over the other.</summary>
    public static IArrowArray Binary(BinaryOp op, IArrowArray left, IArrowArray right, IArrowType resultType, BatchBuffers? buffers = null)
    {
        if (resultType is Decimal128Type dt && DecimalKernels.TryBinary(op, left, right, dt) is { } fast) return fast;
        if (resultType is DoubleType && op is BinaryOp.Add or BinaryOp.Subtract or BinaryOp.Multiply
            && IntegralWithDoubleConstant(op, left, right, buffers) is { } fused) return fused;
        var l = CastKernels.Cast(left, resultType);
        var r = CastKernels.Cast(right, resultType);
        if (l.Length != r.Length)
        {
            var n = Math.Max(l.Length, r.Length);
            if ((l.Length == 1 ? l : r).NullCount != 0) return ArrayFactory.Nulls(resultType, n);
            if (l is Decimal128Array || r is Decimal128Array)
            {
                // the row path has no constant form
                if (l.Length == 1) l = ArrayFactory.Expand(l, n);
                else r = ArrayFactory.Expand(r, n);
            }
        }
        return (l, r) switch
        {
            (Int8Array a, Int8Array b) => Numeric(op, a, b, resultType, buffers),
            (Int16Array a, Int16Array b) => Numeric(op, a, b, resultType, buffers),
            (Int32Array a, Int32Array b) => Numeric(op, a, b, resultType, buffers),
            (Int64Array a, Int64Array b) => Numeric(op, a, b, resultType, buffers),
            (FloatArray a, FloatArray b) => Numeric(op, a, b, resultType, buffers),
            (DoubleArray a, DoubleArray b) => Numeric(op, a, b, resultType, buffers),
            (Decimal128Array a, Decimal128Array b) => Decimal(op, a, b, (Decimal128Type)resultType),
            _ => throw new NotSupportedException($"Arithmetic on {resultType.Name} is not supported."),
        };
    }

    /// <summary>An integral column with a double constant (<c>price * 0.908D</c>): each value converted as the cast would
    /// and combined in the same pass, without a double copy of the column. Null when the operands have another shape.</summary>
    private static IArrowArray? IntegralWithDoubleConstant(BinaryOp op, IArrowArray left, IArrowArray right, BatchBuffers? buffers)
    {
        var constantLeft = left.Length == 1 && right.Length != 1;
        var (column, constant) = constantLeft ? (right, left) : (left, right);
        if (constant.Length != 1 || column is not (Int8Array or Int16Array or Int32Array or Int64Array)) return null;
        if (CastKernels.Cast(constant, DoubleType.Default) is not DoubleArray c) return null;
        if (c.NullCount != 0) return ArrayFactory.Nulls(DoubleType.Default, column.Length);
        var k = c.Values[0];
        return op switch
        {
            BinaryOp.Add => ToDouble<AddOp>(column, k, constantLeft, buffers),
            BinaryOp.Subtract => ToDouble<SubtractOp>(column, k, constantLeft, buffers),
            _ => ToDouble<MultiplyOp>(column, k, constantLeft, buffers),
        };
    }

    private static IArrowArray ToDouble<TOp>(IArrowArray column, double k, bool constantLeft, BatchBuffers? buffers) where TOp : IArithmeticOp => column switch
    {
        Int8Array a => ToDouble<sbyte, TOp>(a.Values, a, k, constantLeft, buffers),
        Int16Array a => ToDouble<short, TOp>(a.Values, a, k, constantLeft, buffers),
        Int32Array a => ToDouble<int, TOp>(a.Values, a, k, constantLeft, buffers),
        _ => ToDouble<long, TOp>(((Int64Array)column).Values, column, k, constantLeft, buffers),
    };

    // Every value is written, so a pooled array (rented from the batch's owner, q1's price * 0.908) needs no clearing.
    private static IArrowArray ToDouble<T, TOp>(ReadOnlySpan<T> x, IArrowArray src, double k, bool constantLeft, BatchBuffers? buffers)
        where T : unmanaged, INumber<T> where TOp : IArithmeticOp
    {
        var n = x.Length;
        var bytes = ArrayFactory.NewValues<double>(n, buffers);
        ArithmeticLoops.IntegralByDouble<T, TOp>(x, k, constantLeft, MemoryMarshal.Cast<byte, double>(bytes.Span)[..n]);
        return ArrayFactory.Primitive(DoubleType.Default, bytes, Bitmaps.Validity(src), n);
    }

    /// <summary>Two columns of the same length, or a column and a valid one-row constant on either side. + - * write every
    /// value, so their column may be rented from the batch's owner; / and % leave rows unwritten (null, or zero for x % -1),
    /// except by a valid constant other than zero and (for integers) -1, which writes every row too (count-1m's key is a % 1000000).</summary>
    private static IArrowArray Numeric<T>(BinaryOp op, PrimitiveArray<T> a, PrimitiveArray<T> b, IArrowType type, BatchBuffers? buffers)
        where T : unmanaged, INumber<T>
    {
        var n = Math.Max(a.Length, b.Length);
        var x = a.Values;
        var y = b.Values;
        var writesAll = op is BinaryOp.Add or BinaryOp.Subtract or BinaryOp.Multiply
            || (b.Length == 1 && a.Length == n && b.NullCount == 0 && b.Values[0] != T.Zero && (IsFloating<T>() || b.Values[0] != -T.One));
        var bytes = ArrayFactory.NewValues<T>(n, writesAll ? buffers : null);
        var z = MemoryMarshal.Cast<byte, T>(bytes.Span);
        var validity = a.Length == b.Length ? Bitmaps.AndValidity(a, b) : Bitmaps.Validity(a.Length == 1 ? b : a);
        switch (op)
        {
            case BinaryOp.Add: Apply<T, AddOp>(x, y, z); break;
            case BinaryOp.Subtract: Apply<T, SubtractOp>(x, y, z); break;
            case BinaryOp.Multiply: Apply<T, MultiplyOp>(x, y, z); break;
            case BinaryOp.Divide or BinaryOp.Modulo:
                if (y.Length == 1 && x.Length == n) DivideByConstant(op, x, y[0], z, ref validity);
                else DivideRows(op, x, y, z, ref validity);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(op), op, "not an arithmetic operator");
        }
        return ArrayFactory.Primitive(type, bytes, validity, n);
    }

    private static void Apply<T, TOp>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z)
        where T : unmanaged, INumber<T> where TOp : IArithmeticOp
    {
        if (x.Length == y.Length) ArithmeticLoops.ColumnColumn<T, TOp>(x, y, z);
        else if (y.Length == 1) ArithmeticLoops.ColumnScalar<T, TOp>(x, y[0], z);
        else ArithmeticLoops.ScalarColumn<T, TOp>(x[0], y, z);
    }

    private static bool IsFloating<T>() => typeof(T) == typeof(double) || typeof(T) == typeof(float);

    /// <summary>/ or % row by row (a one-row side repeats): by zero gives null, integer x / -1 and x % -1 never trap.</summary>
    private static void DivideRows<T>(BinaryOp op, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z, ref byte[]? validity)
        where T : unmanaged, INumber<T>
    {
        var n = z.Length;
        var xs = x.Length == 1 ? 0 : 1;
        var ys = y.Length == 1 ? 0 : 1;
        var floating = IsFloating<T>();
        var minusOne = -T.One;
        for (var i = 0; i < n; i++)
        {
            var d = y[i * ys];
            var v = x[i * xs];
            if (d == T.Zero)
            {
                validity ??= Bitmaps.AllSet(n);
                Bitmaps.Clear(validity, i);
                continue;
            }
            if (op == BinaryOp.Divide) z[i] = floating || d != minusOne ? v / d : unchecked(T.Zero - v);
            else z[i] = floating || d != minusOne ? v % d : T.Zero;
        }
    }

    /// <summary>/ or % by one value for the whole column: all null for 0; otherwise a loop without the per-row checks
    /// (the hardware divider beats a reciprocal multiply for the small quotients seen here).</summary>
    private static void DivideByConstant<T>(BinaryOp op, ReadOnlySpan<T> x, T d, Span<T> z, ref byte[]? validity)
        where T : unmanaged, INumber<T>
    {
        var n = z.Length;
        if (d == T.Zero)
        {
            validity = new byte[BitUtility.ByteCount(n)];
            return;
        }
        if (!IsFloating<T>() && d == -T.One)
        {
            // x / -1 negates without trapping on the minimum value; x % -1 is 0 (z is already zeroed)
            if (op == BinaryOp.Divide)
                for (var i = 0; i < n; i++) z[i] = unchecked(T.Zero - x[i]);
            return;
        }
        if (op == BinaryOp.Divide)
            for (var i = 0; i < n; i++) z[i] = x[i] / d;
        else
            for (var i = 0; i < n; i++) z[i] = x[i] % d;
    }

    /// <summary>The row path over System.Decimal, for the types <see cref="DecimalKernels"/> leaves alone.</summary>
    private static IArrowArray Decimal(BinaryOp op, Decimal128Array a, Decimal128Array b, Decimal128Type type)
    {
        var n = a.Length;
        var builder = new Decimal128Array.Builder(type);
        builder.Reserve(n);
        for (var i = 0; i < n; i++)
        {
            if (a.GetValue(i) is not { } x || b.GetValue(i) is not { } y) { builder.AppendNull(); continue; }
            decimal z;
            try
            {
                switch (op)
                {
                    case BinaryOp.Add: z = x + y; break;
                    case BinaryOp.Subtract: z = x - y; break;
                    case BinaryOp.Multiply: z = x * y; break;
                    case BinaryOp.Divide:
                        if (y == 0) { builder.AppendNull(); continue; }
                        z = x / y;
                        break;
                    default:
                        if (y == 0) { builder.AppendNull(); continue; }
                        z = x % y;
                        break;
                }
            }
            catch (OverflowException)
            {
                builder.AppendNull();
                continue;
            }
            if (CastKernels.FitDecimal(ref z, type)) builder.Append(z);
            else builder.AppendNull();
        }
        return builder.Build(ManagedMemoryAllocator.Instance);
    }

    /// <summary>Unary minus.</summary>
    /// <summary>abs(a): the value where it is not negative, else its negation.</summary>
    public static IArrowArray Abs(IArrowArray a)
    {
        var n = a.Length;
        var neg = Negate(a);
        var isNeg = ComparisonKernels.Compare(BinaryOp.LessThan, a, ArrayFactory.Broadcast(0, Int32Type.Default, n), TypeCoercion.WiderNumeric(a.Data.DataType, Int32Type.Default));
        var choice = new int[n];
        for (var i = 0; i < n; i++) choice[i] = isNeg.GetValue(i) == true ? 1 : 0;
        return TakeKernel.Choose([a, neg], choice, a.Data.DataType);
    }

    public static IArrowArray Negate(IArrowArray a) => a switch
    {
        Int8Array x => Neg(x),
        Int16Array x => Neg(x),
        Int32Array x => Neg(x),
        Int64Array x => Neg(x),
        FloatArray x => Neg(x),
        DoubleArray x => Neg(x),
        Decimal128Array x => DecimalKernels.Negate(x),
        NullArray x => x,
        _ => throw new AnalysisException($"[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot negate a value of type {a.Data.DataType.Name}."),
    };

    private static IArrowArray Neg<T>(PrimitiveArray<T> a) where T : unmanaged, INumber<T>
    {
        var n = a.Length;
        var x = a.Values;
        var bytes = ArrayFactory.NewValues<T>(n);
        var z = MemoryMarshal.Cast<byte, T>(bytes.AsSpan());
        for (var i = 0; i < n; i++) z[i] = unchecked(T.Zero - x[i]);
        return ArrayFactory.Primitive(a.Data.DataType, bytes, Bitmaps.Validity(a), n);
    }
}
