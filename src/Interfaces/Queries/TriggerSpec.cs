namespace OrleansStream.Interfaces.Queries;

/// <summary>When epochs run: as soon as possible (default), every interval, once, or until the data available at start is processed.</summary>
[GenerateSerializer, Immutable, Alias("OrleansStream.TriggerSpec")]
public sealed record TriggerSpec([property: Id(0)] TriggerKind Kind, [property: Id(1)] TimeSpan Interval)
{
    /// <summary>The default trigger: next epoch as soon as the previous one committed and data is there.</summary>
    public static TriggerSpec Default { get; } = new(TriggerKind.ProcessingTime, TimeSpan.Zero);
}
