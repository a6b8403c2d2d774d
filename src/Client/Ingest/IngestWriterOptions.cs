namespace OrleansStream.Client;

/// <summary>How an <see cref="IngestWriter"/> names its writes (<see cref="IngestSessionExtensions.Ingest(StreamSession, string, IngestWriterOptions)"/>).</summary>
public sealed class IngestWriterOptions
{
    /// <summary>
    /// The producer id every append carries with its sequence number. Give the same id to the writer of a client that
    /// restarts, so that the writes it resends are recognised as stored. Default: a new id per writer.
    /// </summary>
    public string? ProducerId { get; init; }

    /// <summary>
    /// The sequence number of the writer's first write (then one more per write). A restarted client that resends its
    /// unacknowledged writes gives the sequence it recorded for the first of them and resends them in their order: each lands
    /// on the partition it went to before and is stored once. Without it, a writer with a <see cref="ProducerId"/> resumes
    /// after the highest sequence the partitions remember for that producer, so that new writes are never taken for old ones.
    /// </summary>
    public long? NextSequence { get; init; }

    /// <summary>
    /// A column whose value picks each row's partition (by a hash of the value, as Kafka producers partition by key), so that
    /// a key's rows stay in order in one partition. A write then makes one append per partition it touches, each durable
    /// before the write returns. Default: none, each write goes whole to the next partition.
    /// </summary>
    public string? PartitionBy { get; init; }
}
