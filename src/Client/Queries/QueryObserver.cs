using OrleansStream.Interfaces.Progress;
using OrleansStream.Interfaces.Queries;

namespace OrleansStream.Client;

/// <summary>Receives a query's events from the cluster and runs its foreachBatch function in this process.</summary>
internal sealed class QueryObserver(StreamSession session, Func<DataFrame, long, Task>? foreachBatch) : IQueryObserver
{
    public StreamingQuery? Query { get; set; }

    public Task OnProgress(Guid runId, string progressJson)
    {
        Query?.OnProgress(WrittenProgress.Read(progressJson));
        return Task.CompletedTask;
    }

    public Task OnIdle(Guid runId)
    {
        if (Query is { } q) session.Streams.OnIdle(q);
        return Task.CompletedTask;
    }

    public Task OnTerminated(Guid runId, string? error)
    {
        Query?.OnTerminated(error);
        return Task.CompletedTask;
    }

    public async Task ForeachBatch(Guid runId, long batchId, byte[] arrowIpc)
    {
        if (foreachBatch is null) throw new InvalidOperationException("This query has no foreachBatch function.");
        await foreachBatch(new DataFrame(session, new LocalRelation(arrowIpc)), batchId).ConfigureAwait(false);
    }
}
