namespace OrleansStream.Engine.Connectors.Ingest;

/// <summary>
/// What a segment says about itself (in its Arrow schema's metadata): its offsets, when it was written, and the appends it
/// holds in order, so that a reopened log knows which (producer, sequence) pairs it already stored.
/// </summary>
/// <param name="Start">The offset of the segment's first row.</param>
/// <param name="End">The offset after its last row.</param>
/// <param name="CreatedMs">When it was written (ms since the Unix epoch, the silo's clock).</param>
/// <param name="Appends">The appends, in offset order.</param>
public sealed record IngestSegmentHeader(long Start, long End, long CreatedMs, IReadOnlyList<IngestSegmentAppend> Appends)
{
    /// <summary>The schema metadata key that holds the header.</summary>
    public const string MetadataKey = "orleansstream.ingest.segment";
}

/// <summary>One append inside a segment.</summary>
/// <param name="Producer">The producer id.</param>
/// <param name="Sequence">The producer's sequence number.</param>
/// <param name="Rows">How many rows it brought.</param>
public sealed record IngestSegmentAppend(string Producer, long Sequence, int Rows);
