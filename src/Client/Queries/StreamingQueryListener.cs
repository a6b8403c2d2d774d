using OrleansStream.Interfaces.Progress;

namespace OrleansStream.Client;

/// <summary>Receives the lifecycle and progress events of a session's queries (Spark's StreamingQueryListener).</summary>
public abstract class StreamingQueryListener
{
    /// <summary>A query started.</summary>
    public virtual void OnQueryStarted(QueryStartedEvent e) { }
    /// <summary>A query committed an epoch.</summary>
    public virtual void OnQueryProgress(QueryProgressEvent e) { }
    /// <summary>A query found no new data.</summary>
    public virtual void OnQueryIdle(QueryIdleEvent e) { }
    /// <summary>A query stopped or failed.</summary>
    public virtual void OnQueryTerminated(QueryTerminatedEvent e) { }
}

/// <summary>A query started.</summary>
public sealed record QueryStartedEvent(Guid Id, Guid RunId, string? Name, DateTime Timestamp);
/// <summary>A query committed an epoch.</summary>
public sealed record QueryProgressEvent(StreamingQueryProgress Progress);
/// <summary>A query is idle.</summary>
public sealed record QueryIdleEvent(Guid Id, Guid RunId, DateTime Timestamp);
/// <summary>A query terminated; <see cref="Exception"/> holds the error message if it failed.</summary>
public sealed record QueryTerminatedEvent(Guid Id, Guid RunId, string? Exception);
