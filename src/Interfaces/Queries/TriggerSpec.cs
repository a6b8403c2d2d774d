namespace OrleansStream.Interfaces.Queries;

/// <summary>When epochs run: as soon as possible (default), every interval, once, or until the data available at start is processed.</summary>
[GenerateSerializer, Immutable, Alias("OrleansStream.TriggerSpec")]
public sealed record TriggerSpec([property: Id(0)] TriggerKind Kind, [property: Id(1)] TimeSpan Interval)
{
    /// <summary>The default trigger: next epoch as soon as the previous one committed and data is there.</summary>
    public static TriggerSpec Default { get; } = new(TriggerKind.ProcessingTime, TimeSpan.Zero);
}

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
