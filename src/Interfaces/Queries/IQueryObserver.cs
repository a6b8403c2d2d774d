using OrleansStream.Interfaces.Progress;

namespace OrleansStream.Interfaces.Queries;

/// <summary>How a query reaches the client that started it: progress and lifecycle events, and foreachBatch calls.</summary>
[Alias("OrleansStream.IQueryObserver")]
public interface IQueryObserver : IGrainObserver
{
    /// <summary>An epoch committed, or an idle trigger reported: Spark's progress JSON (<see cref="WrittenProgress"/>).</summary>
    [OneWay, Alias("OnProgress")] Task OnProgress(Guid runId, string progressJson);
    /// <summary>The query found no new data after it had processed some (Spark's onQueryIdle).</summary>
    [OneWay, Alias("OnIdle")] Task OnIdle(Guid runId);
    /// <summary>The run ended, with the error that ended it if any.</summary>
    [OneWay, Alias("OnTerminated")] Task OnTerminated(Guid runId, string? error);
    /// <summary>Runs the user's foreachBatch function over one epoch's output (Arrow IPC stream bytes).</summary>
    [Alias("ForeachBatch")] Task ForeachBatch(Guid runId, long batchId, byte[] arrowIpc);
}
