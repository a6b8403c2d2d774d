using System.Numerics;
using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace OrleansStream.Engine.Expressions.Kernels;

/// <summary>+ - * / % and unary minus over two arrays already cast to the result type (Spark non-ANSI: integer overflow
/// wraps, division or modulo by zero gives null).</summary>
internal static class ArithmeticKernels
{
    public static IArrowArray Binary(BinaryOp op, IArrowArray left, IArrowArray right, IArrowType resultType)
    {
        var l = CastKernels.Cast(left, resultType);
        var r = CastKernels.Cast(right, resultType);
        return (l, r) switch
        {
            (Int8Array a, Int8Array b) => Numeric(op, a, b, resultType),
            (Int16Array a, Int16Array b) => Numeric(op, a, b, resultType),
            (Int32Array a, Int32Array b) => Numeric(op, a, b, resultType),
            (Int64Array a, Int64Array b) => Numeric(op, a, b, resultType),
            (FloatArray a, FloatArray b) => Numeric(op, a, b, resultType),
            (DoubleArray a, DoubleArray b) => Numeric(op, a, b, resultType),
            (Decimal128Array a, Decimal128Array b) => Decimal(op, a, b, (Decimal128Type)resultType),
            _ => throw new NotSupportedException($"Arithmetic on {resultType.Name} is not supported."),
        };
    }

    private static IArrowArray Numeric<T>(BinaryOp op, PrimitiveArray<T> a, PrimitiveArray<T> b, IArrowType type)
        where T : unmanaged, INumber<T>
    {
        var n = a.Length;
        var x = a.Values;
        var y = b.Values;
        var bytes = ArrayFactory.NewValues<T>(n);
        var z = MemoryMarshal.Cast<byte, T>(bytes.AsSpan());
        var validity = Bitmaps.AndValidity(a, b);
        switch (op)
        {
            case BinaryOp.Add:
                for (var i = 0; i < n; i++) z[i] = unchecked(x[i] + y[i]);
                break;
            case BinaryOp.Subtract:
                for (var i = 0; i < n; i++) z[i] = unchecked(x[i] - y[i]);
                break;
            case BinaryOp.Multiply:
                for (var i = 0; i < n; i++) z[i] = unchecked(x[i] * y[i]);
                break;
            case BinaryOp.Divide:
            case BinaryOp.Modulo:
            {
                var floating = typeof(T) == typeof(double) || typeof(T) == typeof(float);
                var minusOne = -T.One;
                for (var i = 0; i < n; i++)
                {
                    var d = y[i];
                    if (d == T.Zero)
                    {
                        validity ??= Bitmaps.AllSet(n);
                        Bitmaps.Clear(validity, i);
                        continue;
                    }
                    if (op == BinaryOp.Divide) z[i] = floating || d != minusOne ? x[i] / d : unchecked(T.Zero - x[i]);
                    else z[i] = floating || d != minusOne ? x[i] % d : T.Zero;
                }
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(op), op, "not an arithmetic operator");
        }
        return ArrayFactory.Primitive(type, bytes, validity, n);
    }

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
        return builder.Build();
    }

    /// <summary>Unary minus.</summary>
    public static IArrowArray Negate(IArrowArray a) => a switch
    {
        Int8Array x => Neg(x),
        Int16Array x => Neg(x),
        Int32Array x => Neg(x),
        Int64Array x => Neg(x),
        FloatArray x => Neg(x),
        DoubleArray x => Neg(x),
        Decimal128Array x => NegDecimal(x),
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

    private static IArrowArray NegDecimal(Decimal128Array a)
    {
        var b = new Decimal128Array.Builder((Decimal128Type)a.Data.DataType);
        for (var i = 0; i < a.Length; i++)
        {
            if (a.GetValue(i) is { } v) b.Append(-v);
            else b.AppendNull();
        }
        return b.Build();
    }
}
