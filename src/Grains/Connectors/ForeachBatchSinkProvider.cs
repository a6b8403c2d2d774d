using Apache.Arrow;
using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Data;
using OrleansStream.Interfaces.Queries;

namespace OrleansStream.Grains.Connectors;

/// <summary>Spark's <c>foreachBatch</c> sink: each epoch's rows go to the function of the client that started the query.</summary>
public sealed class ForeachBatchSinkProvider : ISinkProvider
{
    /// <inheritdoc/>
    public IReadOnlyCollection<string> Formats { get; } = ["foreachBatch"];

    /// <inheritdoc/>
    public IStreamSink CreateSink(SinkDescriptor sink, SinkContext context)
    {
        ArgumentNullException.ThrowIfNull(sink);
        return new ForeachBatchSink(sink.Schema);
    }

    private sealed class ForeachBatchSink(Schema schema) : IStreamSink
    {
        public string Description => "ForeachBatchSink";

        public ISinkWriter CreateWriter(SinkWriterContext context) => new Writer(schema, context.Epoch);
    }

    private sealed class Writer(Schema schema, long epoch) : GatheringSinkWriter(schema)
    {
        protected override Task CommitRowsAsync(RecordBatch rows, SinkCommitContext context, CancellationToken cancellationToken) =>
            context.Client is IQueryObserver observer
                ? observer.ForeachBatch(context.RunId, epoch, ArrowIpc.Serialize(rows))
                : throw new InvalidOperationException("foreachBatch needs the client that started the query; it is gone.");
    }
}
