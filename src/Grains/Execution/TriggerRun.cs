using OrleansStream.Interfaces.Execution;
using OrleansStream.Interfaces.Queries;

namespace OrleansStream.Grains.Execution;

/// <summary>The in-memory state of one run of a trigger: lifecycle, planning rounds (for processAllAvailable) and progress.</summary>
internal sealed class TriggerRun(RunRequest request, CompiledQuery query)
{
    private readonly Queue<string> _progress = new();
    private CancellationTokenSource _wake = new();
    private TaskCompletionSource _roundCompleted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RunRequest Request { get; } = request;
    public CompiledQuery Query { get; } = query;
    public Task? Loop { get; set; }
    /// <summary>Whether the cluster resumed this run after its coordinator moved (a new start of the query replaces it).</summary>
    public bool Resumed { get; init; }
    /// <summary>State partitions per stateful operator in this run.</summary>
    public int StatePartitions { get; set; }
    public Dictionary<string, string?>? Bounds { get; set; }
    /// <summary>The last epoch run through its sink commit: the last committed one, or up to two after it.</summary>
    public long LastRun { get; set; }
    /// <summary>The newest epoch whose state version every partition has made durable.</summary>
    public long DurableThrough { get; set; }
    /// <summary>Commit records of epochs run but not yet in the commit log, oldest first.</summary>
    public List<CommitRecord> Uncommitted { get; } = [];
    public bool StopRequested { get; private set; }
    public bool IsActive { get; private set; } = true;
    public string? Error { get; private set; }
    public bool IsDataAvailable { get; set; }
    public bool IsTriggerActive { get; set; }
    public long PlanRound { get; private set; }
    public long LastIdleRound { get; private set; }
    public long LatestOffsetMs { get; set; }
    public long WalCommitMs { get; set; }
    public DateTimeOffset? PreviousTriggerStart { get; set; }
    /// <summary>When the run last logged that it falls behind.</summary>
    public DateTimeOffset LastBehindWarning { get; set; } = DateTimeOffset.MinValue;
    public bool WasIdle { get; private set; }
    public IEnumerable<string> Progress => _progress;
    public Task RoundCompleted => _roundCompleted.Task;

    public void StartRound() => PlanRound++;

    public void CompleteRound(bool idle)
    {
        if (idle) LastIdleRound = PlanRound;
        WasIdle = idle;
        SignalRound();
    }

    public void AddProgress(string json, int keep)
    {
        _progress.Enqueue(json);
        while (_progress.Count > keep) _progress.Dequeue();
    }

    /// <summary>Whether a caller (the client's stop, or a new start taking over) asked the run to stop.</summary>
    public bool StoppedByCaller { get; private set; }

    public void RequestStop(bool byCaller = false)
    {
        StopRequested = true;
        StoppedByCaller |= byCaller;
        Poke();
    }

    /// <summary>Ends a wait between triggers early (stop, or processAllAvailable under the default trigger).</summary>
    public void Poke() => _wake.Cancel();

    public async Task WaitAsync(TimeSpan delay, TimeProvider time, bool realTime)
    {
        if (_wake.IsCancellationRequested) _wake = new CancellationTokenSource();
        if (StopRequested) return;
        try
        {
            // The default trigger's polling delay is not engine time (it changes no result), so it uses the real clock;
            // processing-time intervals follow the silo's TimeProvider so that tests can drive them.
            await Task.Delay(delay, realTime ? TimeProvider.System : time, _wake.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Terminate(Exception? error)
    {
        IsActive = false;
        IsTriggerActive = false;
        Error = error is null ? null : Describe(error);
        SignalRound();
    }

    public QueryStatus Status(long lastCommitted) => new()
    {
        Message = !IsActive ? "Stopped" : IsTriggerActive ? "Processing new data" : "Waiting for data to arrive",
        IsActive = IsActive,
        IsDataAvailable = IsDataAvailable,
        IsTriggerActive = IsTriggerActive,
        Error = Error,
        LastCommittedBatchId = lastCommitted,
        Resumed = Resumed,
    };

    private void SignalRound()
    {
        var previous = _roundCompleted;
        _roundCompleted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }

    // Grain calls wrap failures of other grains; the user needs the innermost cause's words.
    private static string Describe(Exception error)
    {
        while (error is AggregateException { InnerException: { } inner }) error = inner;
        return error.Message;
    }
}
