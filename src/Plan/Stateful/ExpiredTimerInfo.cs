namespace OrleansStream.Client;

/// <summary>The timer that fired (Spark's ExpiredTimerInfo).</summary>
/// <param name="ExpiryTimeMs">The time it was registered for (ms).</param>
public sealed record ExpiredTimerInfo(long ExpiryTimeMs)
{
    /// <summary>Spark's getExpiryTimeInMs.</summary>
    public long GetExpiryTimeInMs() => ExpiryTimeMs;
}
