namespace OrleansStream.Engine.Connectors;

/// <summary>The query an epoch commit belongs to.</summary>
/// <param name="QueryId">The query's id (stable across its runs).</param>
public sealed record SinkEpochContext(Guid QueryId);
