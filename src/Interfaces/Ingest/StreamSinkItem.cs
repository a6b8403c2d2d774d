namespace OrleansStream.Interfaces.Ingest;

/// <summary>
/// One item the <c>orleans-stream</c> sink publishes: the rows of one epoch of a query for one key (the stream's key; "all"
/// without a key column). An epoch that runs again after a failure publishes the same rows again with the same
/// <see cref="EpochId"/>: a subscriber that remembers the last epoch it applied per stream skips it.
/// </summary>
/// <param name="QueryId">The query that published the item (stable across restarts).</param>
/// <param name="EpochId">The epoch (batch id) the rows belong to; increases from item to item of a stream, except in a replay.</param>
/// <param name="Key">The key column's value of every row (as text), or "all".</param>
/// <param name="ArrowIpc">The rows as an Arrow IPC stream of the query's output schema.</param>
[GenerateSerializer, Immutable, Alias("OrleansStream.StreamSinkItem")]
public sealed record StreamSinkItem([property: Id(0)] Guid QueryId, [property: Id(1)] long EpochId, [property: Id(2)] string Key, [property: Id(3)] byte[] ArrowIpc);
