namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>What planning asks of one source: the end of its next epoch after <paramref name="PreviousEnd"/>, within <paramref name="Bound"/>.</summary>
/// <param name="SourceId">The source.</param>
/// <param name="PreviousEnd">Where its last epoch ended (null: nothing read yet).</param>
/// <param name="Bound">Trigger.AvailableNow's bound for it, or null.</param>
public sealed record SourceOffsetRequest(string SourceId, string? PreviousEnd, string? Bound);
