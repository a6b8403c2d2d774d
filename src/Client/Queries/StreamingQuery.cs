using OrleansStream.Interfaces.Progress;
using OrleansStream.Interfaces.Queries;

namespace OrleansStream.Client;

/// <summary>A handle to a running streaming query (Spark's StreamingQuery).</summary>
public sealed class StreamingQuery
{
    private static readonly TimeSpan WaitSlice = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MovedRetryDelay = TimeSpan.FromMilliseconds(100);
    private const int MovedRetries = 50;
    private static readonly TimeSpan ObserverGracePeriod = TimeSpan.FromSeconds(5);
    private readonly StreamSession _session;
    private readonly IStreamingQueryGrain _grain;
    private readonly QueryObserver _observer;
    private readonly IQueryObserver _observerReference;
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _gate = new();
    private bool _terminating;
    private List<StreamingQueryProgress> _progress = new();
    private (long BatchId, int Executed, string Timestamp) _lastPublished = (-1, 1, "");

    private StreamingQuery(StreamSession session, IStreamingQueryGrain grain, QueryObserver observer, IQueryObserver reference)
    {
        _session = session;
        _grain = grain;
        _observer = observer;
        _observerReference = reference;
    }

    /// <summary>The query id: the same every time the query restarts from its checkpoint.</summary>
    public Guid Id { get; private set; }
    /// <summary>The id of this run.</summary>
    public Guid RunId { get; private set; }
    /// <summary>The query name, or null.</summary>
    public string? Name { get; private set; }
    /// <summary>Whether the run is still active.</summary>
    public bool IsActive => !_terminated.Task.IsCompleted;
    /// <summary>The error that terminated the run, if it failed.</summary>
    public StreamingQueryException? Exception { get; private set; }
    /// <summary>The current status (asks the cluster).</summary>
    public QueryStatus Status => GetStatusAsync().GetAwaiter().GetResult();

    /// <summary>The status, without blocking (includes the silo that coordinates the query).</summary>
    public Task<QueryStatus> GetStatusAsync() => RetryIfMovedAsync(_grain.GetStatusAsync);
    /// <summary>The progress of the last committed epoch of this run, or null.</summary>
    public StreamingQueryProgress? LastProgress { get { lock (_gate) return _progress.Count == 0 ? null : _progress[^1]; } }
    /// <summary>The progress of recent epochs of this run, oldest first.</summary>
    public IReadOnlyList<StreamingQueryProgress> RecentProgress { get { lock (_gate) return _progress.ToList(); } }

    internal static async Task<StreamingQuery> StartAsync(StreamSession session, QuerySpec spec, Func<DataFrame, long, Task>? foreachBatch, CancellationToken cancellationToken)
    {
        // Every spelling of one checkpoint location must reach the same query grain.
        var location = await session.Grains.GetGrain<ICheckpointLocationGrain>(0).ResolveAsync(spec.CheckpointLocation).ConfigureAwait(false);
        spec = spec with { CheckpointLocation = location };
        var grain = session.Grains.GetGrain<IStreamingQueryGrain>(location);
        var observer = new QueryObserver(session, foreachBatch);
        var reference = session.Grains.CreateObjectReference<IQueryObserver>(observer);
        var query = new StreamingQuery(session, grain, observer, reference);
        observer.Query = query;
        session.Streams.CheckNameIsFree(spec.QueryName);
        var info = await grain.StartAsync(spec, reference, cancellationToken).ConfigureAwait(false);
        (query.Id, query.RunId, query.Name) = (info.Id, info.RunId, info.Name);
        session.Streams.OnStarted(query);
        _ = query.HeartbeatAsync();
        return query;
    }

    // Asking for the status every second notices a termination whose one-way message was lost and, after the
    // coordinating silo died, activates the trigger again elsewhere so that it resumes the run from its checkpoint.
    private async Task HeartbeatAsync()
    {
        while (IsActive)
        {
            await Task.WhenAny(_terminated.Task, Task.Delay(HeartbeatInterval)).ConfigureAwait(false);
            if (!IsActive) return;
            try
            {
                var status = await _grain.GetStatusAsync().ConfigureAwait(false);
                if (!status.IsActive) OnTerminated(status.Error);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                // The cluster is failing over; the next beat tries again.
            }
        }
    }

    /// <summary>Waits until every row available at the sources when called has been processed and committed.</summary>
    public async Task ProcessAllAvailableAsync(CancellationToken cancellationToken = default)
    {
        await ThrowIfFailedAsync().ConfigureAwait(false);
        var ticket = await MarkAvailableAsync(cancellationToken).ConfigureAwait(false);
        var rejected = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            bool done;
            try
            {
                done = await _grain.WaitForTicketAsync(ticket, WaitSlice).ConfigureAwait(false);
            }
            catch (StreamingQueryException ex)
            {
                OnTerminated(ex.Message);
                await _terminated.Task.ConfigureAwait(false);
                throw Exception!;
            }
            catch (QueryCoordinatorMovedException)
            {
                // Tickets count one activation's planning rounds: the current activation issues a new one, which covers
                // every row the first one did.
                ticket = await MarkAvailableAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (OrleansMessageRejectionException) when (++rejected < MovedRetries)
            {
                // The call went to a silo or gateway that just died: the wait is asked again through the ones alive.
                await Task.Delay(MovedRetryDelay, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (done) break;
        }
        await RefreshProgressAsync().ConfigureAwait(false);
        await ThrowIfFailedAsync().ConfigureAwait(false);
    }

    private Task<long> MarkAvailableAsync(CancellationToken cancellationToken) => RetryIfMovedAsync(_grain.MarkAvailableAsync, cancellationToken);

    // A call that reached an activation of the trigger that another superseded (after a silo died) reaches the current one
    // when made again, once the superseded one has deactivated, which takes a moment; one that a dead silo or gateway
    // rejected (it died as the call went out: the cluster test saw it) reaches a live one when made again.
    private static async Task<T> RetryIfMovedAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is QueryCoordinatorMovedException or OrleansMessageRejectionException && attempt < MovedRetries)
            {
                await Task.Delay(MovedRetryDelay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Waits until the query stops or fails; rethrows its error.</summary>
    public async Task AwaitTerminationAsync(CancellationToken cancellationToken = default)
    {
        while (!await AwaitTerminationAsync(WaitSlice, cancellationToken).ConfigureAwait(false)) { }
    }

    /// <summary>Waits at most <paramref name="timeout"/>; true when the query terminated. Rethrows its error.</summary>
    public async Task<bool> AwaitTerminationAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        // The heartbeat notices a termination whose one-way message was lost; here we only wait for it.
        await Task.WhenAny(_terminated.Task, Task.Delay(timeout, cancellationToken)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        await ThrowIfFailedAsync().ConfigureAwait(false);
        return !IsActive;
    }

    /// <summary>Stops the query after its running epoch.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await RetryIfMovedAsync(async () =>
        {
            await _grain.StopAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        OnTerminated((await GetStatusAsync().ConfigureAwait(false)).Error);
        await _terminated.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// Subscribes to the query's results: each epoch committed from now on, once, with its rows (the appended rows, the changed
    /// rows or the whole table, by output mode). The subscription is registered when this returns; read it with
    /// <c>await foreach</c> and dispose it to unsubscribe.
    /// </summary>
    public Task<ResultSubscription> SubscribeAsync(CancellationToken cancellationToken = default) =>
        SubscribeAsync(new SubscriptionOptions(), cancellationToken);

    /// <summary>Subscribes to the query's results from the epoch after <paramref name="afterBatchId"/> (resuming a subscriber
    /// that saw up to it), as far as the cluster retains them.</summary>
    public Task<ResultSubscription> SubscribeAsync(long afterBatchId, CancellationToken cancellationToken = default) =>
        SubscribeAsync(new SubscriptionOptions { AfterBatchId = afterBatchId }, cancellationToken);

    /// <summary>Subscribes to the query's results with <paramref name="options"/>.</summary>
    public Task<ResultSubscription> SubscribeAsync(SubscriptionOptions options, CancellationToken cancellationToken = default) =>
        ResultSubscription.StartAsync(_session.Grains, _grain.GetPrimaryKeyString(), options, cancellationToken);

    /// <summary>
    /// The current row of one key of the query's keyed state (its last stateful operator), consistent with the last committed
    /// epoch, or null when the state holds no such key: an aggregation's output row for the group, dropDuplicates' key when it
    /// was seen. The key's values follow the grouping key (a time window is two values, its start and end).
    /// </summary>
    /// <exception cref="ArgumentException">The key's arity or a value's type does not match the grouping key (the message names both).</exception>
    public async Task<Row?> LookupAsync(params object?[] key) =>
        (await LookupAsync([key]).ConfigureAwait(false))[0];

    /// <summary>The current rows of many keys (null where absent), in key order, all from the same committed epoch.</summary>
    public Task<IReadOnlyList<Row?>> LookupAsync(IEnumerable<object?[]> keys, LookupOptions? options = null, CancellationToken cancellationToken = default) =>
        LiveLookups.LookupAsync(_session.Grains, _grain.GetPrimaryKeyString(), keys, options, cancellationToken);

    /// <summary>At most <paramref name="limit"/> (1 to 10,000) rows of the query's keyed state at the last committed epoch, for small tables.</summary>
    public Task<IReadOnlyList<Row>> ScanAsync(int limit, LookupOptions? options = null, CancellationToken cancellationToken = default) =>
        LiveLookups.ScanAsync(_session.Grains, _grain.GetPrimaryKeyString(), limit, options, cancellationToken);

    /// <inheritdoc />
    public override string ToString() => $"StreamingQuery[id={Id}, runId={RunId}, name={Name}]";

    internal void OnProgress(StreamingQueryProgress progress)
    {
        lock (_gate)
        {
            if (_progress.Count == 0 || Order(_progress[^1]).CompareTo(Order(progress)) < 0) _progress.Add(progress);
            if (_progress.Count > 100) _progress.RemoveAt(0);
        }
        Publish(progress);
    }

    // Progress events in the order they were reported: by epoch; an idle trigger's (no addBatch, reporting the next epoch's
    // id) before that epoch's own; idle ones among themselves by their trigger time (ISO-8601 UTC compares as text).
    private static (long BatchId, int Executed, string Timestamp) Order(StreamingQueryProgress progress) =>
        (progress.BatchId, progress.DurationMs.ContainsKey("addBatch") ? 1 : 0, progress.Timestamp);

    // Progress reaches the client twice (the observer's one-way push and the refresh after processAllAvailable/stop):
    // listeners hear of each progress event once, whichever comes first.
    private void Publish(StreamingQueryProgress progress)
    {
        lock (_gate)
        {
            var order = Order(progress);
            if (order.CompareTo(_lastPublished) <= 0) return;
            _lastPublished = order;
        }
        _session.Streams.OnProgress(progress);
    }

    internal void OnTerminated(string? error)
    {
        lock (_gate)
        {
            if (_terminating) return;
            _terminating = true;
            if (error is not null) Exception = new StreamingQueryException($"Query {Name ?? Id.ToString()} [id = {Id}, runId = {RunId}] terminated with exception: {error}");
        }
        _ = CompleteTerminationAsync();
    }

    // As in Spark, the last progress is in place before awaitTermination returns: the one-way progress pushes may still be
    // in flight when the termination arrives, so fetch what the trigger kept before letting go of the observer.
    private async Task CompleteTerminationAsync()
    {
        try
        {
            await RefreshProgressAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or ObjectDisposedException)
        {
            // The cluster is gone: keep the progress we have.
        }
        // Listeners hear of the termination before anyone awaiting it resumes, as in Spark.
        _session.Streams.OnTerminated(this);
        _terminated.TrySetResult();
        _ = ReleaseObserverAsync();
    }

    // One-way progress and idle messages the run sent before it ended may arrive after its stop call returned: the
    // observer stays reachable a little longer, so that they land instead of being logged as errors by the client.
    private async Task ReleaseObserverAsync()
    {
        await Task.Delay(ObserverGracePeriod).ConfigureAwait(false);
        try
        {
            _session.Grains.DeleteObjectReference<IQueryObserver>(_observerReference);
        }
        catch (ObjectDisposedException)
        {
            // The session is gone, and its observers with it.
        }
        GC.KeepAlive(_observer);
    }

    private async Task RefreshProgressAsync()
    {
        var json = await RetryIfMovedAsync(_grain.GetRecentProgressAsync).ConfigureAwait(false);
        var progress = json.Select(StreamingQueryProgress.FromJson).Where(p => p.RunId == RunId).ToList();
        lock (_gate) if (progress.Count >= _progress.Count) _progress = progress;
        foreach (var p in progress) Publish(p);
    }

    // The error is set as the termination begins; the termination completes (last progress fetched, listeners told) a
    // moment later. As in Spark, a caller that sees the error sees the query inactive too.
    private async Task ThrowIfFailedAsync()
    {
        if (Exception is not { } ex) return;
        await _terminated.Task.ConfigureAwait(false);
        throw ex;
    }
}
