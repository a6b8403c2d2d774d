namespace OrleansStream.Interfaces.Ingest;

/// <summary>
/// One partition of an ingest (key "&lt;name&gt;/&lt;partition&gt;"): makes appended batches durable in a segmented log in the
/// checkpoint store before it answers, assigns their offsets, and pushes back (the call waits) while too much is unflushed.
/// </summary>
[Alias("OrleansStream.IIngestGrain")]
public interface IIngestGrain : IGrainWithStringKey
{
    /// <summary>
    /// Appends <paramref name="batch"/> and returns the offset of its first row once it is durable. A retry of the same
    /// (producer, sequence) returns the first call's offset without storing it again.
    /// </summary>
    /// <exception cref="ArgumentException">The rows do not match the declared schema (the message names column and row); nothing was appended.</exception>
    [Alias("Append")] Task<long> AppendAsync(IngestBatch batch);

    /// <summary>The highest sequence of <paramref name="producerId"/> this partition stored or is storing, if it remembers any.</summary>
    [Alias("GetLastSequence")] Task<long?> GetLastSequenceAsync(string producerId);

    /// <summary>The offset after the last durable row of this partition.</summary>
    [Alias("GetEndOffset")] Task<long> GetEndOffsetAsync();

    /// <summary>Deletes the segments that every reading query has committed past and that are older than the retention; returns how many.</summary>
    [Alias("Trim")] Task<int> TrimAsync();
}

/// <summary>A batch a producer appends to one ingest partition.</summary>
/// <param name="ProducerId">The producer (one writer); with <paramref name="Sequence"/> it makes a retried append idempotent.</param>
/// <param name="Sequence">The producer's number for this append on this partition.</param>
/// <param name="ArrowIpc">The rows as an Arrow IPC stream of the declared schema; not changed after the call.</param>
[GenerateSerializer, Immutable, Alias("OrleansStream.IngestBatch")]
public sealed record IngestBatch([property: Id(0)] string ProducerId, [property: Id(1)] long Sequence, [property: Id(2)] byte[] ArrowIpc);
