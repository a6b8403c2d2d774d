namespace OrleansStream.Engine.Data;

/// <summary>Integer arithmetic the engine's time conversions share.</summary>
internal static class Int64Math
{
    /// <summary>The quotient rounded towards negative infinity (C#'s <c>/</c> rounds towards zero): microseconds before
    /// 1970 must floor to the millisecond, second or day that contains them.</summary>
    public static long FloorDiv(long a, long b)
    {
        var q = a / b;
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
    }
}
