namespace OrleansStream.Client;

/// <summary>How an ingest is declared (<see cref="IngestSessionExtensions.CreateIngestAsync"/>).</summary>
public sealed class IngestOptions
{
    /// <summary>How many partitions (ingest grains, and source tasks of a query reading it) share the appends. Default 4.</summary>
    public int Partitions { get; init; } = 4;

    /// <summary>How long a segment is kept at least; it is deleted once older and once every reading query has committed past it. Default 7 days.</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(7);
}
