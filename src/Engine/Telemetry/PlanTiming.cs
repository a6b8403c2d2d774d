namespace OrleansStream.Engine.Telemetry;

/// <summary>When the coordinator planned epoch <paramref name="BatchId"/> (wall clock): its span starts there. <paramref name="WrittenAhead"/>
/// is default while the write-ahead is still in flight.</summary>
public readonly record struct PlanTiming(long BatchId, DateTimeOffset Started, DateTimeOffset WriteAheadStarted, DateTimeOffset WrittenAhead);
