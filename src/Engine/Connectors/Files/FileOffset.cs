namespace OrleansStream.Engine.Connectors.Files;

/// <summary>
/// A file source's offset: <paramref name="LogOffset"/> counts the files taken so far (as Spark's FileStreamSourceOffset);
/// <paramref name="Files"/> are the epoch's own, so that a replay reads exactly them.
/// </summary>
/// <param name="LogOffset">The files taken up to and including this epoch.</param>
/// <param name="Files">The full paths of this epoch's files.</param>
public sealed record FileOffset(long LogOffset, IReadOnlyList<string> Files);
