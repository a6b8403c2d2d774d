using OrleansStream.Engine.Execution.Streaming;
using OrleansStream.Interfaces.Execution;
using OrleansStream.Interfaces.Queries;

namespace OrleansStream.Grains.Execution;

/// <summary>One run of a trigger as its grain hosts it: the request, the compiled query, the coordinator, lifecycle and recent progress.</summary>
internal sealed class TriggerRun(RunRequest request, CompiledQuery query)
{
    private readonly Queue<string> _progress = new();

    public RunRequest Request { get; } = request;
    public CompiledQuery Query { get; } = query;
    /// <summary>The epoch protocol of this run (set before its loop starts).</summary>
    public EpochCoordinator Coordinator { get; set; } = null!;
    public Task? Loop { get; set; }
    /// <summary>Whether the cluster resumed this run after its coordinator moved (a new start of the query replaces it).</summary>
    public bool Resumed { get; init; }
    public bool IsActive { get; private set; } = true;
    /// <summary>Whether another activation of the trigger wrote the checkpoint record this run's write expected: that one runs the query now.</summary>
    public bool Superseded { get; set; }
    public string? Error { get; private set; }
    public IEnumerable<string> Progress => _progress;
    /// <summary>Completes once every progress of the run reported so far is in <see cref="Progress"/> and sent to the
    /// observer (progress is written off the trigger's turn); never faults.</summary>
    public Task ProgressReported { get; set; } = Task.CompletedTask;
    /// <summary>The source offsets of this run's progress, read as JSON.</summary>
    public OffsetJson OffsetJson { get; } = new();
    /// <summary>When the run last logged that it falls behind (real time: it only spaces log lines).</summary>
    public DateTimeOffset LastBehindWarning { get; set; } = DateTimeOffset.MinValue;

    public void AddProgress(string json, int keep)
    {
        _progress.Enqueue(json);
        while (_progress.Count > keep) _progress.Dequeue();
    }

    /// <summary>Whether a caller (the client's stop, or a new start taking over) asked the run to stop.</summary>
    public bool StoppedByCaller { get; private set; }

    public void RequestStop(bool byCaller = false)
    {
        StoppedByCaller |= byCaller;
        Coordinator.RequestStop();
    }

    public void Terminate(Exception? error)
    {
        IsActive = false;
        Error = error is null ? null : Describe(error);
        Coordinator.NotifyTerminated();
    }

    public QueryStatus Status(long lastCommitted) => new()
    {
        Message = !IsActive ? "Stopped" : Coordinator.IsTriggerActive ? "Processing new data" : "Waiting for data to arrive",
        IsActive = IsActive,
        IsDataAvailable = Coordinator.IsDataAvailable,
        IsTriggerActive = IsActive && Coordinator.IsTriggerActive,
        Error = Error,
        LastCommittedBatchId = lastCommitted,
        Resumed = Resumed,
        TriggerWaitingAt = IsActive ? Coordinator.WaitingAt : null,
    };

    // Grain calls wrap failures of other grains; the user needs the innermost cause's words.
    private static string Describe(Exception error)
    {
        while (error is AggregateException { InnerException: { } inner }) error = inner;
        return error.Message;
    }
}
