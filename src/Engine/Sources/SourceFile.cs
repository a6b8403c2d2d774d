namespace OrleansStream.Engine.Sources;

/// <summary>A data file found by <see cref="FileSourceListing"/>.</summary>
/// <param name="Path">The full path.</param>
/// <param name="Length">The size in bytes when listed.</param>
/// <param name="ModifiedUtc">The last write time (UTC) when listed.</param>
public sealed record SourceFile(string Path, long Length, DateTime ModifiedUtc);
