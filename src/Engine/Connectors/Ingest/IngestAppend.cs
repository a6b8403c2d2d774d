using Apache.Arrow;

namespace OrleansStream.Engine.Connectors.Ingest;

/// <summary>One batch a producer appends to a partition log.</summary>
/// <param name="ProducerId">The producer (one SDK writer); with <paramref name="Sequence"/> it names the append, so a retry is stored once.</param>
/// <param name="Sequence">The producer's number for this append on this partition, increasing.</param>
/// <param name="Batch">The rows, of the ingest's declared schema.</param>
public sealed record IngestAppend(string ProducerId, long Sequence, RecordBatch Batch);
