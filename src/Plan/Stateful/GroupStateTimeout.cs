namespace OrleansStream.Client;

/// <summary>Which timeout a <c>[Flat]MapGroupsWithState</c> function may set on its groups (Spark's GroupStateTimeout).</summary>
public enum GroupStateTimeout
{
    /// <summary>No timeout: a group's function runs only when the group has new rows.</summary>
    NoTimeout,

    /// <summary>
    /// <see cref="GroupState{TState}.SetTimeoutDuration(long)"/>: a group times out once the batch timestamp passes its
    /// timeout, even when no row arrives (an epoch is due then).
    /// </summary>
    ProcessingTimeTimeout,

    /// <summary>
    /// <see cref="GroupState{TState}.SetTimeoutTimestamp(long)"/>: a group times out once the watermark passes its timeout
    /// timestamp (the query needs a watermark before the operation).
    /// </summary>
    EventTimeTimeout,
}
