using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansStream.Engine.Subscriptions;
using OrleansStream.Grains.Hosting;
using OrleansStream.Interfaces.Subscriptions;

namespace OrleansStream.Grains.Subscriptions;

/// <summary>
/// A query's live subscriptions (DESIGN.md §8): binds the query's <see cref="EpochPublication{TEpoch}"/> (which epochs are
/// published, with which rows, and which are retained: <see cref="OrleansStreamOptions.SubscriptionRetainedEpochs"/>) to
/// Orleans, and sends each published epoch to every subscriber once, in batch order. Nothing here is persisted: after the
/// grain moves, subscribers renew and the next epochs are delivered (the epochs committed while it moved are not).
/// Every subscriber has its own ordered delivery chain that nothing else waits for: the query never waits for a subscriber.
/// </summary>
[Reentrant]
internal sealed partial class SubscriptionGrain(IOptions<OrleansStreamOptions> options, ILogger<SubscriptionGrain> logger)
    : Grain, ISubscriptionGrain
{
    private readonly EpochPublication<ResultEpoch> _epochs = new(options.Value.SubscriptionRetainedEpochs,
        (batchId, outputMode, parts) => new ResultEpoch { BatchId = batchId, OutputMode = outputMode, Parts = parts });
    private readonly Dictionary<Guid, Subscriber> _subscribers = new();

    public Task SubscribeAsync(Guid subscriberId, IResultObserver observer, long? afterBatchId)
    {
        ArgumentNullException.ThrowIfNull(observer);
        Expire();
        if (afterBatchId is { } after && !_epochs.CanResumeAfter(after, out var oldest))
            throw new InvalidOperationException(
                $"Cannot resume the subscription to query '{this.GetPrimaryKeyString()}' after batch {after}: the oldest retained batch is {(oldest is { } o ? o.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none")} " +
                $"(the last {_epochs.RetainCount} committed batches are retained, OrleansStream:SubscriptionRetainedEpochs); subscribe without a batch id to start at the next one.");
        if (_subscribers.TryGetValue(subscriberId, out var subscriber))
        {
            subscriber.Observer = observer;
        }
        else
        {
            // New here (or again, after the grain moved): the retained epochs it has not seen go first.
            _subscribers[subscriberId] = subscriber = new Subscriber(observer) { LastSent = afterBatchId ?? _epochs.LastCommitted };
            foreach (var (_, epoch) in _epochs.Retained) Send(subscriberId, subscriber, epoch);
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
        _epochs.Record(attempt, batchId, sinkKey, outputMode, parts);
        return Task.CompletedTask;
    }

    public Task CommittedAsync(long batchId, Guid attempt, string outputMode)
    {
        Expire();
        foreach (var epoch in _epochs.Commit(batchId, attempt, outputMode))
            foreach (var (subscriberId, subscriber) in _subscribers) Send(subscriberId, subscriber, epoch);
        return Task.CompletedTask;
    }

    // One chain per subscriber keeps its epochs in order; a subscriber with a full chain is not reading its messages (its
    // client is gone or unreachable) and is dropped, so that the query's memory stays bounded.
    private void Send(Guid subscriberId, Subscriber subscriber, ResultEpoch epoch)
    {
        if (epoch.BatchId <= subscriber.LastSent) return;
        subscriber.LastSent = epoch.BatchId;
        if (subscriber.InFlight >= _epochs.RetainCount)
        {
            LogWarningDropped(logger, this.GetPrimaryKeyString(), subscriberId, _epochs.RetainCount);
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
