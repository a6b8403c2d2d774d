using Apache.Arrow;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Streams;
using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Connectors.Ingest;
using OrleansStream.Interfaces.Ingest;
using OrleansStream.Plan.Data;

namespace OrleansStream.Grains.Ingest;

/// <summary>
/// The <c>orleans-stream</c> sink: <c>WriteStream.Format("orleans-stream").Option("provider", "memory").Option("namespace",
/// "out").Option("keyColumn", "user")</c> publishes each epoch's rows, at the epoch's commit, as one
/// <see cref="StreamSinkItem"/> per key to stream (namespace, key) — or one item to stream (namespace, "all") without a key
/// column. Every item carries its epoch id: an epoch run again after a failure publishes its rows again with the same id,
/// which a subscriber recognises (at-least-once delivery, exactly-once by epoch id).
/// </summary>
public sealed class OrleansStreamSinkProvider : ISinkProvider
{
    /// <summary>The stream key of the items of a sink without a key column.</summary>
    public const string AllKey = "all";

    /// <inheritdoc/>
    public IReadOnlyCollection<string> Formats { get; } = ["orleans-stream"];

    /// <inheritdoc/>
    public void Validate(SinkDescriptor sink, SinkContext context)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(context);
        Provider(context, Options(sink).Provider);
    }

    /// <inheritdoc/>
    public IStreamSink CreateSink(SinkDescriptor sink, SinkContext context)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(context);
        var (provider, streamNamespace, keyColumn) = Options(sink);
        var keyIndex = keyColumn is null ? -1 : sink.Schema.GetFieldIndex(keyColumn);
        if (keyColumn is not null && keyIndex < 0)
            throw new ArgumentException($"Option 'keyColumn' of the orleans-stream sink names column '{keyColumn}', which the query's output does not have "
                + $"({string.Join(", ", sink.Schema.FieldsList.Select(f => f.Name))}).");
        return new Sink(Provider(context, provider), provider, streamNamespace, keyIndex, sink.Schema);
    }

    private static (string Provider, string Namespace, string? KeyColumn) Options(SinkDescriptor sink)
    {
        string Required(string name) => sink.Options.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v
            : throw new ArgumentException($"Option '{name}' is required by the orleans-stream sink.");
        return (Required("provider"), Required("namespace"), sink.Options.TryGetValue("keyColumn", out var k) && !string.IsNullOrWhiteSpace(k) ? k : null);
    }

    private static IStreamProvider Provider(SinkContext context, string name) =>
        context.Services?.GetKeyedService<IStreamProvider>(name)
        ?? throw new ArgumentException($"Option 'provider' of the orleans-stream sink names stream provider '{name}', which this silo does not have.");

    private sealed class Sink(IStreamProvider streams, string provider, string streamNamespace, int keyIndex, Schema schema) : IStreamSink
    {
        public string Description => $"OrleansStreamSink[{provider}/{streamNamespace}]";

        public ISinkWriter CreateWriter(SinkWriterContext context) => new Writer(streams, streamNamespace, keyIndex, schema, context.Epoch);
    }

    private sealed class Writer(IStreamProvider streams, string streamNamespace, int keyIndex, Schema schema, long epoch) : GatheringSinkWriter(schema)
    {
        protected override async Task CommitRowsAsync(RecordBatch rows, SinkCommitContext context, CancellationToken cancellationToken)
        {
            if (rows.Length == 0) return;
            foreach (var (key, batch) in keyIndex < 0 ? [(AllKey, rows)] : KeyedRows.GroupBy(rows, keyIndex))
                await streams.GetStream<StreamSinkItem>(StreamId.Create(streamNamespace, key))
                    .OnNextAsync(new StreamSinkItem(context.QueryId, epoch, key, ArrowIpc.Serialize(batch)));
        }
    }
}
