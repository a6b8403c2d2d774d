using OrleansStream.Interfaces.Progress;
using OrleansStream.Interfaces.Queries;

namespace OrleansStream.Client;

/// <summary>The queries of a session and their listeners (Spark's StreamingQueryManager).</summary>
public sealed class StreamingQueryManager
{
    private readonly object _gate = new();
    private readonly List<StreamingQuery> _active = new();
    private readonly List<StreamingQueryListener> _listeners = new();
    private TaskCompletionSource<StreamingQuery> _anyTerminated = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal StreamingQueryManager(StreamSession session) => Session = session;

    internal StreamSession Session { get; }

    /// <summary>The active queries started from this session.</summary>
    public IReadOnlyList<StreamingQuery> Active { get { lock (_gate) return _active.Where(q => q.IsActive).ToList(); } }

    /// <summary>The active query with id <paramref name="id"/>, or null.</summary>
    public StreamingQuery? Get(Guid id) => Active.FirstOrDefault(q => q.Id == id);

    /// <summary>The active query named <paramref name="name"/>, or null.</summary>
    public StreamingQuery? Get(string name) => Active.FirstOrDefault(q => q.Name == name);

    /// <summary>Every query of the cluster the catalog knows, started by this client or any other, most recently started first
    /// (active ones and a bounded number of ended ones).</summary>
    public async Task<IReadOnlyList<QueryCatalogEntry>> ListAsync(CancellationToken cancellationToken = default) =>
        await Catalog.ListAsync().WaitAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>The query of the cluster whose id, name or checkpoint location is <paramref name="nameOrId"/>, or null.</summary>
    public async Task<QueryCatalogEntry?> DescribeAsync(string nameOrId, CancellationToken cancellationToken = default) =>
        await Catalog.FindAsync(nameOrId).WaitAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Stops the query of the cluster whose id, name or checkpoint location is <paramref name="nameOrId"/>, whichever client started it.</summary>
    /// <exception cref="ArgumentException">No query of the cluster has that id, name or checkpoint location.</exception>
    public async Task StopAsync(string nameOrId, CancellationToken cancellationToken = default)
    {
        var entry = await DescribeAsync(nameOrId, cancellationToken).ConfigureAwait(false)
            ?? throw new ArgumentException($"No query of the cluster has the id, name or checkpoint location '{nameOrId}'.", nameof(nameOrId));
        await Session.Grains.GetGrain<IStreamingQueryGrain>(entry.CheckpointLocation).StopAsync(cancellationToken).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private IQueryCatalogGrain Catalog => Session.Grains.GetGrain<IQueryCatalogGrain>(IQueryCatalogGrain.ClusterKey);

    /// <summary>Registers a listener for query events of this session.</summary>
    public void AddListener(StreamingQueryListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        lock (_gate) _listeners.Add(listener);
    }

    /// <summary>Removes a listener.</summary>
    public void RemoveListener(StreamingQueryListener listener)
    {
        lock (_gate) _listeners.Remove(listener);
    }

    /// <summary>Waits until any query of this session terminates (since the last <see cref="ResetTerminated"/>); rethrows its error.</summary>
    public async Task AwaitAnyTerminationAsync(CancellationToken cancellationToken = default)
    {
        Task<StreamingQuery> any;
        lock (_gate) any = _anyTerminated.Task;
        var query = await any.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (query.Exception is { } ex) throw ex;
    }

    /// <summary>Forgets terminated queries so that <see cref="AwaitAnyTerminationAsync"/> waits for a new termination.</summary>
    public void ResetTerminated()
    {
        lock (_gate) if (_anyTerminated.Task.IsCompleted) _anyTerminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    internal void CheckNameIsFree(string? name)
    {
        if (name is not null && Get(name) is not null)
            throw new InvalidOperationException($"Cannot start query with name {name} as a query with that name is already active in this session.");
    }

    internal void OnStarted(StreamingQuery query)
    {
        lock (_gate) _active.Add(query);
        Notify(l => l.OnQueryStarted(new QueryStartedEvent(query.Id, query.RunId, query.Name, DateTime.UtcNow)));
    }

    internal void OnProgress(StreamingQueryProgress progress) => Notify(l => l.OnQueryProgress(new QueryProgressEvent(progress)));

    internal void OnIdle(StreamingQuery query) => Notify(l => l.OnQueryIdle(new QueryIdleEvent(query.Id, query.RunId, DateTime.UtcNow)));

    internal void OnTerminated(StreamingQuery query)
    {
        lock (_gate)
        {
            _active.Remove(query);
            _anyTerminated.TrySetResult(query);
        }
        Notify(l => l.OnQueryTerminated(new QueryTerminatedEvent(query.Id, query.RunId, query.Exception?.Message)));
    }

    private void Notify(Action<StreamingQueryListener> action)
    {
        StreamingQueryListener[] listeners;
        lock (_gate) listeners = _listeners.ToArray();
        foreach (var listener in listeners) action(listener);
    }
}
