namespace OrleansStream.Engine.Connectors.Nexmark;

/// <summary>The nexmark offset: how many rows of the table precede it, and when a paced source started (ms since the Unix epoch; 0 unpaced).</summary>
/// <param name="Rows">The rows before the offset.</param>
/// <param name="StartMs">The start of a paced source.</param>
public sealed record NexmarkOffset(long Rows, long StartMs = 0);
