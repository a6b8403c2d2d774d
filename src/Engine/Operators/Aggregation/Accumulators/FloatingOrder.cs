using System.Numerics;

namespace OrleansStream.Engine.Operators.Aggregation.Accumulators;

/// <summary>Spark's order of float and double: NaN is greater than every other value and equal to itself, and -0.0 equals 0.0
/// (.NET's <c>CompareTo</c> puts NaN first, which would make min return NaN).</summary>
internal readonly struct FloatingOrder<T> : IValueOrder<T> where T : IFloatingPointIeee754<T>
{
    public static bool Less(T a, T b) => a < b || (T.IsNaN(b) && !T.IsNaN(a));
}
