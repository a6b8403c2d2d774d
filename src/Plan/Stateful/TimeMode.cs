namespace OrleansStream.Client;

/// <summary>Which timers a <see cref="StatefulProcessor"/> may register (Spark's TimeMode).</summary>
public enum TimeMode
{
    /// <summary>No timers.</summary>
    None,

    /// <summary>Timers fire once the epoch's batch timestamp reaches them.</summary>
    ProcessingTime,

    /// <summary>Timers fire once the watermark reaches them (the query needs a watermark).</summary>
    EventTime,
}
