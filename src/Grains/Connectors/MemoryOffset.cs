namespace OrleansStream.Grains.Connectors;

/// <summary>A memory stream's offset: how many entries precede it (written as a plain number, as Spark's MemoryStream does).</summary>
/// <param name="Entries">The entries before the offset.</param>
public sealed record MemoryOffset(long Entries);
