namespace OrleansStream.Interfaces.Subscriptions;

/// <summary>
/// A query's live subscriptions, keyed like the query (its checkpoint location): gathers each epoch's output from the sink
/// partitions, publishes it to every subscriber once the epoch commits, and retains the most recent committed epochs so that
/// a subscriber that reconnects resumes after the last epoch it saw.
/// </summary>
[Alias("OrleansStream.ISubscriptionGrain")]
public interface ISubscriptionGrain : IGrainWithStringKey
{
    /// <summary>
    /// Registers (or renews) <paramref name="observer"/> as subscriber <paramref name="subscriberId"/>. With
    /// <paramref name="afterBatchId"/>, the retained epochs after it are sent first; without, delivery starts at the next
    /// committed epoch. A subscriber not renewed within <see cref="SubscriptionLease"/> is forgotten.
    /// </summary>
    /// <exception cref="InvalidOperationException">Epochs after <paramref name="afterBatchId"/> are no longer retained.</exception>
    [Alias("Subscribe")] Task SubscribeAsync(Guid subscriberId, IResultObserver observer, long? afterBatchId);

    /// <summary>Forgets subscriber <paramref name="subscriberId"/>.</summary>
    [Alias("Unsubscribe")] Task UnsubscribeAsync(Guid subscriberId);

    /// <summary>Records what sink partition <paramref name="sinkKey"/> committed for an attempt at <paramref name="batchId"/>
    /// (a newer attempt replaces what an older one recorded). Published when the epoch commits. A partition that was handed
    /// no rows records nothing: the epoch's commit publishes it without them.</summary>
    [Alias("StageOutput")] Task StageOutputAsync(Guid attempt, long batchId, string sinkKey, string outputMode, [Immutable] IReadOnlyList<byte[]> parts);

    /// <summary>The trigger wrote the commit record of <paramref name="batchId"/>, whose committed attempt is
    /// <paramref name="attempt"/> (<see cref="Guid.Empty"/>: not known): publish its output, which is empty (in
    /// <paramref name="outputMode"/>) when no sink partition recorded any for that attempt.</summary>
    [OneWay, Alias("CommittedAttempt")] Task CommittedAsync(long batchId, Guid attempt, string outputMode);
}

/// <summary>The subscription lease.</summary>
public static class SubscriptionLease
{
    /// <summary>How long a subscriber stays registered without renewing (clients renew every third of it).</summary>
    public static readonly TimeSpan Duration = TimeSpan.FromSeconds(30);
}
