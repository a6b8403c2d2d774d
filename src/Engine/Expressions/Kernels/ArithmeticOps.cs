using System.Numerics;
using System.Runtime.Intrinsics;

namespace OrleansStream.Engine.Expressions.Kernels;

/// <summary>+, - or * as a type the JIT specialises, so the arithmetic loops carry no per-row branch on the operator.
/// Integers wrap on overflow (Spark non-ANSI); the vector form gives the same bits lane by lane.</summary>
internal interface IArithmeticOp
{
    /// <summary>The operator on two values.</summary>
    static abstract T Apply<T>(T x, T y) where T : unmanaged, INumber<T>;

    /// <summary>The operator lane by lane.</summary>
    static abstract Vector256<T> Apply<T>(Vector256<T> x, Vector256<T> y) where T : unmanaged, INumber<T>;
}

/// <summary>x + y.</summary>
internal readonly struct AddOp : IArithmeticOp
{
    public static T Apply<T>(T x, T y) where T : unmanaged, INumber<T> => unchecked(x + y);

    public static Vector256<T> Apply<T>(Vector256<T> x, Vector256<T> y) where T : unmanaged, INumber<T> => x + y;
}

/// <summary>x - y.</summary>
internal readonly struct SubtractOp : IArithmeticOp
{
    public static T Apply<T>(T x, T y) where T : unmanaged, INumber<T> => unchecked(x - y);

    public static Vector256<T> Apply<T>(Vector256<T> x, Vector256<T> y) where T : unmanaged, INumber<T> => x - y;
}

/// <summary>x * y.</summary>
internal readonly struct MultiplyOp : IArithmeticOp
{
    public static T Apply<T>(T x, T y) where T : unmanaged, INumber<T> => unchecked(x * y);

    public static Vector256<T> Apply<T>(Vector256<T> x, Vector256<T> y) where T : unmanaged, INumber<T> => x * y;
}
