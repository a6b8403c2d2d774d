namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>An epoch kept failing for infrastructure reasons until its retry budget ran out: the query fails with this.</summary>
public sealed class EpochFailedException(string message, Exception inner) : Exception(message, inner);
