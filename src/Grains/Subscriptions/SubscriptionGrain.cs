using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansStream.Grains.Hosting;
using OrleansStream.Interfaces.Subscriptions;

namespace OrleansStream.Grains.Subscriptions;

/// <summary>
/// A query's live subscriptions (DESIGN.md §8). Sink partitions record each epoch attempt's output here when they commit;
/// the trigger says when the epoch's commit record is written, and only then is the epoch published, each once per
/// subscriber, in batch order. The latest committed epochs are retained (<see cref="OrleansStreamOptions.SubscriptionRetainedEpochs"/>)
/// for subscribers that resume. Nothing here is persisted: after the grain moves, subscribers renew and the next epochs
/// are delivered (the epochs committed while it moved are not).
/// Every subscriber has its own ordered delivery chain that nothing else waits for: the query never waits for a subscriber.
/// </summary>
[Reentrant]
internal sealed partial class SubscriptionGrain(IOptions<OrleansStreamOptions> options, ILogger<SubscriptionGrain> logger)
    : Grain, ISubscriptionGrain
{
    private readonly int _retain = Math.Max(1, options.Value.SubscriptionRetainedEpochs);
    private readonly SortedDictionary<long, Pending> _pending = new();
    private readonly LinkedList<ResultEpoch> _retained = new();
    private readonly Dictionary<Guid, Subscriber> _subscribers = new();
    private long _lastCommitted = -1;

    public Task SubscribeAsync(Guid subscriberId, IResultObserver observer, long? afterBatchId)
    {
        ArgumentNullException.ThrowIfNull(observer);
        Expire();
        if (afterBatchId is { } after && after < _lastCommitted)
        {
            var oldest = _retained.First?.Value.BatchId;
            if (oldest is null || oldest > after + 1)
                throw new InvalidOperationException(
                    $"Cannot resume the subscription to query '{this.GetPrimaryKeyString()}' after batch {after}: the oldest retained batch is {(oldest is { } o ? o.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none")} " +
                    $"(the last {_retain} committed batches are retained, OrleansStream:SubscriptionRetainedEpochs); subscribe without a batch id to start at the next one.");
        }
        if (_subscribers.TryGetValue(subscriberId, out var subscriber))
        {
            subscriber.Observer = observer;
        }
        else
        {
            // New here (or again, after the grain moved): the retained epochs it has not seen go first.
            _subscribers[subscriberId] = subscriber = new Subscriber(observer) { LastSent = afterBatchId ?? _lastCommitted };
            foreach (var epoch in _retained) Send(subscriberId, subscriber, epoch);
        }
        subscriber.Expires = DateTimeOffset.UtcNow + SubscriptionLease.Duration;
        return Task.CompletedTask;
    }

    public Task UnsubscribeAsync(Guid subscriberId)
    {
        _subscribers.Remove(subscriberId);
        return Task.CompletedTask;
    }

    public Task StageOutputAsync(Guid attempt, long batchId, string sinkKey, string outputMode, IReadOnlyList<byte[]> parts)
    {
        if (batchId <= _lastCommitted) return Task.CompletedTask;
        if (!_pending.TryGetValue(batchId, out var pending) || pending.Attempt != attempt)
            _pending[batchId] = pending = new Pending(attempt, outputMode);
        pending.Parts[sinkKey] = parts;
        return Task.CompletedTask;
    }

    public Task CommittedAsync(long batchId, Guid attempt, string outputMode)
    {
        Expire();
        // A sink partition handed no rows records nothing, so what is recorded for this epoch may be an earlier attempt's only.
        if (attempt != Guid.Empty && _pending.TryGetValue(batchId, out var recorded) && recorded.Attempt != attempt) _pending.Remove(batchId);
        // Commit records are written in batch order, so every epoch up to this one is committed, whichever of these one-way
        // messages arrives first; one that no sink partition recorded is published without rows.
        var first = FirstUnpublished(batchId);
        while (_pending.Count > 0 && _pending.Keys.First() < first) _pending.Remove(_pending.Keys.First());
        for (var id = first; id <= batchId; id++)
        {
            if (_pending.Remove(id, out var pending)) Publish(new ResultEpoch { BatchId = id, OutputMode = pending.OutputMode, Parts = pending.Parts.Values.SelectMany(p => p).ToList() });
            else Publish(new ResultEpoch { BatchId = id, OutputMode = outputMode, Parts = [] });
        }
        _lastCommitted = Math.Max(_lastCommitted, batchId);
        return Task.CompletedTask;
    }

    // The epochs after the last published one, up to the retained count (older ones would not be retained); after the grain
    // moved, the first commit it hears of starts it (the epochs committed meanwhile are not delivered), or the oldest recorded.
    private long FirstUnpublished(long batchId)
    {
        var first = _lastCommitted >= 0 ? _lastCommitted + 1 : batchId;
        if (_pending.Count > 0) first = Math.Min(first, _pending.Keys.First());
        return Math.Max(first, batchId - _retain + 1);
    }

    private void Publish(ResultEpoch epoch)
    {
        _retained.AddLast(epoch);
        while (_retained.Count > _retain) _retained.RemoveFirst();
        foreach (var (subscriberId, subscriber) in _subscribers) Send(subscriberId, subscriber, epoch);
    }

    // One chain per subscriber keeps its epochs in order; a subscriber with a full chain is not reading its messages (its
    // client is gone or unreachable) and is dropped, so that the query's memory stays bounded.
    private void Send(Guid subscriberId, Subscriber subscriber, ResultEpoch epoch)
    {
        if (epoch.BatchId <= subscriber.LastSent) return;
        subscriber.LastSent = epoch.BatchId;
        if (subscriber.InFlight >= _retain)
        {
            LogWarningDropped(logger, this.GetPrimaryKeyString(), subscriberId, _retain);
            _subscribers.Remove(subscriberId);
            return;
        }
        subscriber.InFlight++;
        var observer = subscriber.Observer;
        subscriber.Chain = subscriber.Chain.ContinueWith(async _ =>
        {
            try
            {
                await observer.OnEpoch(epoch);
            }
            catch (Exception ex)
            {
                // The client is gone: it renews (and is sent the retained epochs again) or its lease runs out.
                LogInformationDeliveryFailed(logger, ex, this.GetPrimaryKeyString(), subscriberId, epoch.BatchId);
            }
            finally
            {
                subscriber.InFlight--;
            }
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Current).Unwrap();
    }

    private void Expire()
    {
        // Real time, as the clients renew by it (a silo's TimeProvider may be a test's fake clock).
        var now = DateTimeOffset.UtcNow;
        foreach (var (id, s) in _subscribers.Where(s => s.Value.Expires < now).ToList()) _subscribers.Remove(id);
        // Subscribers keep the grain (and its retained epochs) alive between epochs through their renewals.
        if (_subscribers.Count > 0) DelayDeactivation(SubscriptionLease.Duration);
    }

    private sealed class Pending(Guid attempt, string outputMode)
    {
        public Guid Attempt { get; } = attempt;
        public string OutputMode { get; } = outputMode;
        public SortedDictionary<string, IReadOnlyList<byte[]>> Parts { get; } = new(StringComparer.Ordinal);
    }

    private sealed class Subscriber(IResultObserver observer)
    {
        public IResultObserver Observer { get; set; } = observer;
        public DateTimeOffset Expires { get; set; }
        public long LastSent { get; set; }
        public int InFlight { get; set; }
        public Task Chain { get; set; } = Task.CompletedTask;
    }

    [LoggerMessage(EventId = 1601, Level = LogLevel.Warning, Message = "Query {Query}: subscriber {Subscriber} has {Bound} epochs in flight and was dropped")]
    private static partial void LogWarningDropped(ILogger logger, string query, Guid subscriber, int bound);

    [LoggerMessage(EventId = 1602, Level = LogLevel.Information, Message = "Query {Query}: batch {BatchId} did not reach subscriber {Subscriber}")]
    private static partial void LogInformationDeliveryFailed(ILogger logger, Exception exception, string query, Guid subscriber, long batchId);
}
