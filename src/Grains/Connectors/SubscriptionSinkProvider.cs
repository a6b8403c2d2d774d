using OrleansStream.Engine.Connectors;

namespace OrleansStream.Grains.Connectors;

/// <summary>
/// The <c>subscription</c> sink: each epoch's rows go only to the query's live subscriptions
/// (<c>StreamingQuery.SubscribeAsync</c>), nowhere else. Unlike <c>noop</c>, which skips handing rows to the sink at all,
/// it receives them, so that subscribers see them; it keeps nothing.
/// </summary>
public sealed class SubscriptionSinkProvider : ISinkProvider
{
    /// <inheritdoc/>
    public IReadOnlyCollection<string> Formats { get; } = ["subscription"];

    /// <inheritdoc/>
    public IStreamSink CreateSink(SinkDescriptor sink, SinkContext context) => SubscriptionSink.Instance;

    private sealed class SubscriptionSink : IStreamSink
    {
        public static readonly SubscriptionSink Instance = new();

        public string Description => "SubscriptionSink";

        public ISinkWriter CreateWriter(SinkWriterContext context) => Writer.Instance;
    }

    private sealed class Writer : ISinkWriter
    {
        public static readonly Writer Instance = new();

        public Task WriteAsync(int producer, IReadOnlyList<Apache.Arrow.RecordBatch> batches, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<IReadOnlyList<string>> CommitAsync(SinkCommitContext context, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>([]);
    }
}
