using Microsoft.Extensions.Options;
using OrleansStream.Grains.Hosting;
using OrleansStream.Engine.Telemetry;
using OrleansStream.Interfaces.Queries;

namespace OrleansStream.Grains.Queries;

/// <summary>
/// The cluster's list of queries (DESIGN §4), fed by the query and trigger grains. Starts and ends of runs are written at
/// once; progress, which arrives every epoch, is written at most every few seconds (and on deactivation), so that the
/// catalog never adds a checkpoint write per epoch. Bounded: a number of progress reports per query, and of ended queries.
/// </summary>
[Reentrant]
internal sealed class QueryCatalogGrain(
    [PersistentState("queryCatalog", OrleansStreamSiloBuilderExtensions.CheckpointStorageName)] IPersistentState<QueryCatalogState> state,
    IOptions<OrleansStreamOptions> options,
    TimeProvider time) : Grain, IQueryCatalogGrain
{
    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(2);
    private readonly OrleansStreamOptions _options = options.Value;
    // The query grain records a start after the trigger began the run, so a run's first progress or a quick failure can
    // arrive first (they are one-way): kept here, for a few runs, until the start comes.
    private readonly Dictionary<Guid, (List<string> Progress, bool Ended, string? Error)> _early = new();
    private bool _dirty;
    private Task _writing = Task.CompletedTask;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(() => _dirty ? WriteAsync() : Task.CompletedTask, new GrainTimerCreationOptions(FlushInterval, FlushInterval) { Interleave = true });
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => _dirty ? WriteAsync() : Task.CompletedTask;

    public Task RunStartedAsync(QueryRunStarted started)
    {
        var entry = state.State.Queries.Find(q => q.Id == started.QueryId);
        if (entry is null) state.State.Queries.Add(entry = new QueryCatalogEntry { Id = started.QueryId });
        if (!entry.RunIds.Contains(started.RunId)) entry.RunIds.Add(started.RunId);
        entry.Name = started.Name;
        entry.CheckpointLocation = started.CheckpointLocation;
        entry.Status = QueryCatalogStatus.Active;
        entry.StartedUtc = started.StartedUtc;
        entry.StoppedUtc = null;
        entry.Exception = null;
        entry.Explain = started.Explain ?? entry.Explain;
        entry.StageGraph = started.StageGraph ?? entry.StageGraph;
        entry.RecentProgress.Clear();
        if (_early.Remove(started.RunId, out var early))
        {
            foreach (var progress in early.Progress) AddProgress(entry, progress);
            if (early.Ended) End(entry, early.Error);
        }
        return WriteAsync();
    }

    public Task RunProgressAsync(Guid queryId, Guid runId, string progressJson)
    {
        // A report of an older run (arriving late) must not be mixed into the latest run's history.
        if (LatestRun(queryId, runId) is not { } entry)
        {
            if (Early(queryId, runId) is { } early) early.Progress.Add(progressJson);
            return Task.CompletedTask;
        }
        AddProgress(entry, progressJson);
        _dirty = true;
        return Task.CompletedTask;
    }

    public Task RunStoppedAsync(Guid queryId, Guid runId, string? error)
    {
        if (LatestRun(queryId, runId) is not { } entry)
        {
            if (Early(queryId, runId) is { } early) _early[runId] = (early.Progress, true, error);
            return Task.CompletedTask;
        }
        End(entry, error);
        return WriteAsync();
    }

    public Task<IReadOnlyList<QueryCatalogEntry>> ListAsync() =>
        Task.FromResult<IReadOnlyList<QueryCatalogEntry>>(state.State.Queries.OrderByDescending(q => q.StartedUtc).ToList());

    public Task<QueryCatalogEntry?> FindAsync(string nameOrId) => Task.FromResult(
        state.State.Queries.OrderByDescending(q => q.StartedUtc).FirstOrDefault(q =>
            q.Id.ToString().Equals(nameOrId, StringComparison.OrdinalIgnoreCase) || q.Name == nameOrId || q.CheckpointLocation == nameOrId));

    private QueryCatalogEntry? LatestRun(Guid queryId, Guid runId) =>
        state.State.Queries.Find(q => q.Id == queryId) is { } entry && entry.RunId == runId ? entry : null;

    // The buffer of a run not yet started here; null for a run the catalog already knows as an older one (a late report).
    private (List<string> Progress, bool Ended, string? Error)? Early(Guid queryId, Guid runId)
    {
        if (state.State.Queries.Find(q => q.Id == queryId) is { } entry && entry.RunIds.Contains(runId)) return null;
        if (_early.TryGetValue(runId, out var early)) return early;
        if (_early.Count >= 100) _early.Remove(_early.Keys.First());
        return _early[runId] = (new List<string>(), false, null);
    }

    private void AddProgress(QueryCatalogEntry entry, string progressJson)
    {
        entry.RecentProgress.Add(progressJson);
        var excess = entry.RecentProgress.Count - Math.Max(1, _options.CatalogProgressCount);
        if (excess > 0) entry.RecentProgress.RemoveRange(0, excess);
    }

    // Ends the entry's run and forgets the ended queries beyond the cap, those that ended first.
    private void End(QueryCatalogEntry entry, string? error)
    {
        entry.Status = error is null ? QueryCatalogStatus.Stopped : QueryCatalogStatus.Failed;
        // The SDK, the CLI and the UI show it to whoever may list queries: a user's message can quote a connection string.
        entry.Exception = SecretRedactor.Redact(error);
        entry.StoppedUtc = time.GetUtcNow().UtcDateTime;
        var ended = state.State.Queries.Where(q => q.Status != QueryCatalogStatus.Active).OrderBy(q => q.StoppedUtc).ToList();
        foreach (var old in ended.Take(ended.Count - Math.Max(0, _options.CatalogCompletedQueries))) state.State.Queries.Remove(old);
    }

    // One write at a time (the grain is reentrant): a change made while a write runs is written by the next one.
    private Task WriteAsync()
    {
        _writing = Next(_writing);
        return _writing;

        async Task Next(Task previous)
        {
            try { await previous; } catch (Exception) { /* the earlier caller saw it */ }
            _dirty = false;
            try
            {
                await state.WriteStateAsync();
            }
            catch
            {
                _dirty = true;
                throw;
            }
        }
    }
}

/// <summary>The catalog's part of the checkpoint store.</summary>
[GenerateSerializer, Alias("OrleansStream.QueryCatalogState")]
public sealed class QueryCatalogState
{
    /// <summary>Every query known.</summary>
    [Id(0)] public List<QueryCatalogEntry> Queries { get; set; } = new();
}
