namespace OrleansStream.Grains.Ingest;

/// <summary>How ingest grains buffer and trim.</summary>
public sealed class IngestGrainOptions
{
    /// <summary>
    /// The unflushed bytes a partition accepts before further appends wait for the current flush (backpressure: a writer
    /// awaits, it is never refused). Default 64 MiB.
    /// </summary>
    public long MaxUnflushedBytes { get; set; } = 64L << 20;

    /// <summary>How often a partition deletes segments that every reader has committed past and that are past retention. Default 1 minute.</summary>
    public TimeSpan TrimInterval { get; set; } = TimeSpan.FromMinutes(1);
}
