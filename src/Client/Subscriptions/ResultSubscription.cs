using System.Threading.Channels;
using OrleansStream.Interfaces.Subscriptions;

namespace OrleansStream.Client;

/// <summary>
/// A live subscription to a query's results (DESIGN.md §8): every epoch committed after it started (or after
/// <see cref="SubscriptionOptions.AfterBatchId"/>) once, in batch order, through a grain observer in this process. Read it
/// with <c>await foreach</c>; dispose it to unsubscribe. The query never waits for it: epochs wait in a bounded buffer
/// (<see cref="SubscriptionOptions.BufferEpochs"/>), and a reader that lets it fill up is dropped.
/// </summary>
public sealed class ResultSubscription : IAsyncEnumerable<ResultChange>, IAsyncDisposable
{
    private static readonly TimeSpan RenewInterval = SubscriptionLease.Duration / 3;
    private readonly IClusterClient _client;
    private readonly ISubscriptionGrain _grain;
    private readonly Observer _observer;
    private readonly IResultObserver _reference;
    private readonly Guid _id = Guid.NewGuid();
    private readonly Channel<ResultChange> _buffer;
    private readonly int _bound;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private long? _lastReceived;
    private Task _renewals = Task.CompletedTask;
    private int _disposed;

    private ResultSubscription(IClusterClient client, string queryKey, SubscriptionOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BufferEpochs, 1, nameof(options));
        _client = client;
        _grain = client.GetGrain<ISubscriptionGrain>(queryKey);
        _bound = options.BufferEpochs;
        _lastReceived = options.AfterBatchId;
        _buffer = Channel.CreateBounded<ResultChange>(new BoundedChannelOptions(options.BufferEpochs) { SingleReader = true, SingleWriter = true });
        _observer = new Observer(this);
        _reference = client.CreateObjectReference<IResultObserver>(_observer);
    }

    internal static async Task<ResultSubscription> StartAsync(IClusterClient client, string queryKey, SubscriptionOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var subscription = new ResultSubscription(client, queryKey, options);
        try
        {
            await subscription._grain.SubscribeAsync(subscription._id, subscription._reference, options.AfterBatchId).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        subscription._renewals = subscription.RenewAsync();
        return subscription;
    }

    /// <summary>The last epoch this subscription received (the one to resume after), or null.</summary>
    public long? LastBatchId { get { lock (_gate) return _lastReceived; } }

    /// <inheritdoc />
    public async IAsyncEnumerator<ResultChange> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        await foreach (var change in _buffer.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false)) yield return change;
    }

    // Renewing keeps the registration alive, and re-registers it (resuming after the last epoch received) when the cluster
    // lost it: the grain moved to another silo, or this client reconnected.
    private async Task RenewAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(RenewInterval, _stop.Token).ConfigureAwait(false);
                await _grain.SubscribeAsync(_id, _reference, LastBatchId).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (InvalidOperationException ex)
            {
                // The epochs missed while disconnected are no longer retained.
                Drop(new SubscriberDroppedException(ex.Message, ex));
                return;
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException or ObjectDisposedException)
            {
                // The cluster is failing over; the next renewal tries again.
            }
        }
    }

    private void OnEpoch(ResultEpoch epoch)
    {
        lock (_gate)
        {
            // A renewal after the grain moved, or a retry, may send an epoch again: each is delivered once.
            if (epoch.BatchId <= _lastReceived) return;
            _lastReceived = epoch.BatchId;
        }
        var change = new ResultChange(epoch.BatchId, epoch.OutputMode, epoch.Parts.SelectMany(p => ArrowIpc.DeserializeMany(p)).ToList());
        if (!_buffer.Writer.TryWrite(change))
            Drop(new SubscriberDroppedException(
                $"The subscriber was dropped at batch {epoch.BatchId}: it did not read, and its buffer of {_bound} epochs (SubscriptionOptions.BufferEpochs) was full. The query goes on."));
    }

    private void Drop(SubscriberDroppedException reason)
    {
        if (!_buffer.Writer.TryComplete(reason)) return;
        _stop.Cancel();
        _ = _grain.UnsubscribeAsync(_id).ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
    }

    /// <summary>Unsubscribes; reading ends after what was buffered.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _buffer.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        await _renewals.ConfigureAwait(false);
        try
        {
            await _grain.UnsubscribeAsync(_id).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or ObjectDisposedException)
        {
            // Its lease runs out.
        }
        try
        {
            _client.DeleteObjectReference<IResultObserver>(_reference);
        }
        catch (ObjectDisposedException)
        {
            // The session is gone, and its observers with it.
        }
        _stop.Dispose();
    }

    private sealed class Observer(ResultSubscription subscription) : IResultObserver
    {
        public Task OnEpoch(ResultEpoch epoch)
        {
            subscription.OnEpoch(epoch);
            return Task.CompletedTask;
        }
    }
}
