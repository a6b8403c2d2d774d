namespace OrleansStream.Engine.State.Families;

/// <summary>Which clock a timer follows (DESIGN.md §5): event-time timers fire against the watermark, processing-time
/// timers against the epoch's batch timestamp.</summary>
public enum TimeMode : byte
{
    /// <summary>Fires once the watermark reaches the timer's time.</summary>
    EventTime = 1,

    /// <summary>Fires once the batch timestamp reaches the timer's time.</summary>
    ProcessingTime = 2,
}
