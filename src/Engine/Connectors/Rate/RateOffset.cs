namespace OrleansStream.Engine.Connectors.Rate;

/// <summary>The rate offset: when the source started (by the silo's clock, ms since the Unix epoch) and how many rows precede it.</summary>
/// <param name="StartMs">The start.</param>
/// <param name="Rows">The rows before the offset.</param>
public sealed record RateOffset(long StartMs, long Rows);
