namespace OrleansStream.Engine.Operators.Aggregation.Accumulators;

/// <summary>Spark's ordering of a fixed-width type, as a static method so that generic kernels inline it per type.</summary>
internal interface IValueOrder<T>
{
    /// <summary>True when <paramref name="a"/> sorts strictly before <paramref name="b"/>.</summary>
    static abstract bool Less(T a, T b);
}
