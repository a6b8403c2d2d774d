namespace OrleansStream.Engine.Connectors;

/// <summary>The run a partition commits in.</summary>
/// <param name="QueryId">The query's id (stable across its runs).</param>
/// <param name="RunId">This run's id.</param>
/// <param name="Client">
/// The run's handle on the client that started it, as the host represents it (in grains, the query observer), or null when
/// it is gone. Only sinks that call back into the client (foreachBatch) use it.
/// </param>
public sealed record SinkCommitContext(Guid QueryId, Guid RunId, object? Client);
