using System.Numerics;
using System.Runtime.Intrinsics;

namespace OrleansStream.Engine.Expressions.Kernels;

/// <summary>
/// One of the three base comparisons (=, &lt;, &gt;; the others are their negations) as a type the JIT specialises,
/// so the typed comparison loops carry no per-row branch on the operator. Floating-point values follow Spark's order:
/// NaN = NaN and NaN is above every other value.
/// </summary>
internal interface ICompareOp
{
    /// <summary>The comparison of two values.</summary>
    static abstract bool Test<T>(T x, T y) where T : unmanaged, INumber<T>;

    /// <summary>The comparison lane by lane (all-ones where true).</summary>
    static abstract Vector256<T> Test<T>(Vector256<T> x, Vector256<T> y) where T : unmanaged, INumber<T>;
}

/// <summary>x = y.</summary>
internal readonly struct EqualOp : ICompareOp
{
    public static bool Test<T>(T x, T y) where T : unmanaged, INumber<T> => x == y || (T.IsNaN(x) && T.IsNaN(y));

    public static Vector256<T> Test<T>(Vector256<T> x, Vector256<T> y) where T : unmanaged, INumber<T>
    {
        var eq = Vector256.Equals(x, y);
        if (!CompareOps.IsFloating<T>()) return eq;
        return eq | ~(Vector256.Equals(x, x) | Vector256.Equals(y, y));
    }
}

/// <summary>x &lt; y.</summary>
internal readonly struct LessOp : ICompareOp
{
    public static bool Test<T>(T x, T y) where T : unmanaged, INumber<T> => x < y || (T.IsNaN(y) && !T.IsNaN(x));

    public static Vector256<T> Test<T>(Vector256<T> x, Vector256<T> y) where T : unmanaged, INumber<T>
    {
        var lt = Vector256.LessThan(x, y);
        if (!CompareOps.IsFloating<T>()) return lt;
        return lt | Vector256.AndNot(Vector256.Equals(x, x), Vector256.Equals(y, y));
    }
}

/// <summary>x &gt; y.</summary>
internal readonly struct GreaterOp : ICompareOp
{
    public static bool Test<T>(T x, T y) where T : unmanaged, INumber<T> => x > y || (T.IsNaN(x) && !T.IsNaN(y));

    public static Vector256<T> Test<T>(Vector256<T> x, Vector256<T> y) where T : unmanaged, INumber<T>
    {
        var gt = Vector256.GreaterThan(x, y);
        if (!CompareOps.IsFloating<T>()) return gt;
        return gt | Vector256.AndNot(Vector256.Equals(y, y), Vector256.Equals(x, x));
    }
}

/// <summary>Helpers shared by the comparison operators.</summary>
internal static class CompareOps
{
    /// <summary>True for the IEEE types, whose NaN needs Spark's ordering (a JIT-time constant).</summary>
    public static bool IsFloating<T>() => typeof(T) == typeof(double) || typeof(T) == typeof(float);
}
