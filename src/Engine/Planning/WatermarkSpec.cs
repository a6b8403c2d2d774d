namespace OrleansStream.Engine.Planning;

/// <summary>A withWatermark of the query: its id, its event-time column and its delay.</summary>
public sealed record WatermarkSpec(int Id, string Column, long DelayMs);
