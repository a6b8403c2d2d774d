namespace OrleansStream.Client;

/// <summary>How a live subscription to a query's results starts and how much it buffers.</summary>
public sealed record SubscriptionOptions
{
    /// <summary>The default <see cref="BufferEpochs"/>.</summary>
    public const int DefaultBufferEpochs = 128;

    /// <summary>
    /// Resume after this epoch: the committed epochs after it that the cluster still retains are delivered first (a resume
    /// from before the retained window, OrleansStream:SubscriptionRetainedEpochs on the silos, fails naming it). Null: start
    /// at the next epoch that commits.
    /// </summary>
    public long? AfterBatchId { get; init; }

    /// <summary>
    /// Epochs received but not yet read that the subscription holds. When a new epoch finds it full, the subscriber is dropped:
    /// the query goes on, and reading the subscription yields what it holds and then throws <see cref="SubscriberDroppedException"/>.
    /// </summary>
    public int BufferEpochs { get; init; } = DefaultBufferEpochs;
}
