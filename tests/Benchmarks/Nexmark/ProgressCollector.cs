using System.Collections.Concurrent;
using OrleansStream.Client;
using OrleansStream.Interfaces.Progress;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>Keeps every progress report of a session (StreamingQuery.RecentProgress holds only the last 100).</summary>
internal sealed class ProgressCollector : StreamingQueryListener
{
    private readonly ConcurrentDictionary<(Guid RunId, long BatchId), StreamingQueryProgress> _progress = new();

    /// <summary>Told of every progress as it arrives (<see cref="LatencyEpochLog"/>), or null.</summary>
    public LatencyEpochLog? EpochLog { get; set; }

    /// <inheritdoc />
    public override void OnQueryProgress(QueryProgressEvent e)
    {
        EpochLog?.OnProgress(e.Progress);
        _progress.TryAdd((e.Progress.RunId, e.Progress.BatchId), e.Progress);
    }

    /// <summary>The epochs of <paramref name="query"/>'s run, oldest first, including those only its RecentProgress has.</summary>
    public IReadOnlyList<StreamingQueryProgress> Of(StreamingQuery query)
    {
        foreach (var p in query.RecentProgress) _progress.TryAdd((p.RunId, p.BatchId), p);
        return _progress.Values.Where(p => p.RunId == query.RunId).OrderBy(p => p.BatchId).ToList();
    }
}
