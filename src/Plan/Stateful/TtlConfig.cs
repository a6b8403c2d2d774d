namespace OrleansStream.Client;

/// <summary>A state variable's time to live (Spark's TTLConfig): a value expires this long after it was last written, by processing time.</summary>
/// <param name="TtlDuration">Positive.</param>
public sealed record TtlConfig(TimeSpan TtlDuration);
