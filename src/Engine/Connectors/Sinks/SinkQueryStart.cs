namespace OrleansStream.Engine.Connectors;

/// <summary>A query starting to write to a sink.</summary>
/// <param name="QueryId">The query's id (stable across its runs).</param>
/// <param name="CheckpointLocation">The query's checkpoint location, for messages.</param>
/// <param name="Restarted">True when this checkpoint has run the query before.</param>
public sealed record SinkQueryStart(Guid QueryId, string CheckpointLocation, bool Restarted);
