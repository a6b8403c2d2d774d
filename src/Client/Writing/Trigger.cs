using OrleansStream.Plan.Types;
using OrleansStream.Interfaces.Queries;

namespace OrleansStream.Client;

/// <summary>When a streaming query runs its epochs (Spark's Trigger).</summary>
public sealed class Trigger
{
    private Trigger(TriggerSpec spec) => Spec = spec;

    internal TriggerSpec Spec { get; }

    /// <summary>The default: the next epoch starts as soon as the previous one committed and new data is there.</summary>
    public static Trigger Default { get; } = new(TriggerSpec.Default);

    /// <summary>An epoch every <paramref name="interval"/>, by the silo's clock.</summary>
    public static Trigger ProcessingTime(TimeSpan interval) => interval >= TimeSpan.Zero
        ? new(new TriggerSpec(TriggerKind.ProcessingTime, interval))
        : throw new ArgumentOutOfRangeException(nameof(interval), "The trigger interval must not be negative.");

    /// <summary>An epoch every interval, given as Spark does: "1 second", "500 milliseconds", "2 minutes".</summary>
    public static Trigger ProcessingTime(string interval) => ProcessingTime(IntervalParser.Parse(interval, "trigger interval"));

    /// <summary>One epoch over everything available, then stop.</summary>
    public static Trigger Once() => new(new TriggerSpec(TriggerKind.Once, TimeSpan.Zero));

    /// <summary>Everything available at start, in as many epochs as source limits (maxFilesPerTrigger) ask for, then stop.</summary>
    public static Trigger AvailableNow() => new(new TriggerSpec(TriggerKind.AvailableNow, TimeSpan.Zero));
}
