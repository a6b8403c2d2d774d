using Apache.Arrow;
using Microsoft.Extensions.DependencyInjection;
using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Data;
using OrleansStream.Interfaces.Sinks;

namespace OrleansStream.Grains.Connectors;

/// <summary>Spark's <c>memory</c> sink: a table named by the query, kept by a memory-sink grain and read with <c>Table(name)</c>.</summary>
public sealed class MemorySinkProvider : ISinkProvider
{
    /// <inheritdoc/>
    public IReadOnlyCollection<string> Formats { get; } = ["memory"];

    /// <inheritdoc/>
    public void Validate(SinkDescriptor sink, SinkContext context)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (string.IsNullOrWhiteSpace(sink.QueryName)) throw new ArgumentException("queryName must be specified for memory sink.");
    }

    /// <inheritdoc/>
    public IStreamSink CreateSink(SinkDescriptor sink, SinkContext context)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(context);
        var grains = context.Services?.GetRequiredService<IGrainFactory>() ?? throw new InvalidOperationException("The memory sink runs only in a silo.");
        return new MemorySink(grains, sink);
    }

    private sealed class MemorySink(IGrainFactory grains, SinkDescriptor sink) : IStreamSink
    {
        public string Description => "MemorySink";

        public ISinkWriter CreateWriter(SinkWriterContext context) => new Writer(grains, sink, context.Epoch);
    }

    // The table grain drops an epoch it already applied, so a replayed epoch is applied once.
    private sealed class Writer(IGrainFactory grains, SinkDescriptor sink, long epoch) : GatheringSinkWriter(sink.Schema)
    {
        protected override Task CommitRowsAsync(RecordBatch rows, SinkCommitContext context, CancellationToken cancellationToken) =>
            grains.GetGrain<IMemorySinkGrain>(sink.QueryName!).ApplyAsync(context.QueryId, epoch, sink.OutputMode == "complete", ArrowIpc.Serialize(rows));
    }
}
