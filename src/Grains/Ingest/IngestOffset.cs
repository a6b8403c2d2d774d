namespace OrleansStream.Grains.Ingest;

/// <summary>A position in an ingest: per partition, the offset after the last row taken (written as Kafka's source writes offsets: <c>{"clicks":{"0":12,"1":9}}</c>).</summary>
/// <param name="Partitions">The end offset of each partition.</param>
public sealed record IngestOffset(IReadOnlyList<long> Partitions);
