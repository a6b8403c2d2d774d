namespace OrleansStream.Samples.ClickCounter;

/// <summary>The sample's settings (configuration section <c>ClickCounter</c>, e.g. environment variable <c>ClickCounter__DataDirectory</c>).</summary>
public sealed class ClickCounterOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "ClickCounter";

    /// <summary>Where the embedded silo keeps the ingest and the queries' checkpoints.</summary>
    public string DataDirectory { get; set; } = "clickcounter-data";

    /// <summary>Connect to a running cluster (configured by the silo's <c>OrleansStream__Cluster__*</c> variables) instead of embedding a silo.</summary>
    public bool Connect { get; set; }
}
