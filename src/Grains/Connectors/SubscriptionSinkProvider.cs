using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Connectors.Noop;

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
    public IStreamSink CreateSink(SinkDescriptor sink, SinkContext context) => new SubscriptionSink(new NoopSinkProvider().CreateSink(sink, context));

    // Writes as noop does (keeps nothing), but takes the rows: the sink grain hands the committed ones to the subscriptions.
    private sealed class SubscriptionSink(IStreamSink noop) : IStreamSink
    {
        public string Description => "SubscriptionSink";

        public ISinkWriter CreateWriter(SinkWriterContext context) => noop.CreateWriter(context);
    }
}
