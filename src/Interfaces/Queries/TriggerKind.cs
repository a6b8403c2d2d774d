namespace OrleansStream.Interfaces.Queries;

/// <summary>Trigger kinds, as Spark's.</summary>
[GenerateSerializer]
public enum TriggerKind
{
    /// <summary>Micro-batches at an interval (zero: back to back).</summary>
    ProcessingTime,
    /// <summary>One epoch, then stop.</summary>
    Once,
    /// <summary>Everything available at start, in as many epochs as the source limits ask for, then stop.</summary>
    AvailableNow,
}
