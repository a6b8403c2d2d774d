using System.Numerics;

namespace OrleansStream.Engine.Operators.Aggregation.Accumulators;

/// <summary>The natural order of integers (including booleans as 0/1, dates, timestamps and unscaled decimals of one scale).</summary>
internal readonly struct NumberOrder<T> : IValueOrder<T> where T : IComparisonOperators<T, T, bool>
{
    public static bool Less(T a, T b) => a < b;
}
