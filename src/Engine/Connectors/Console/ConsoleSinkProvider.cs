using Apache.Arrow;
using OrleansStream.Engine.Formats;

namespace OrleansStream.Engine.Connectors.Console;

/// <summary>Spark's <c>console</c> sink: prints each epoch's rows on the silo's standard output (numRows, truncate).</summary>
public sealed class ConsoleSinkProvider : ISinkProvider
{
    /// <inheritdoc/>
    public IReadOnlyCollection<string> Formats { get; } = ["console"];

    /// <inheritdoc/>
    public IStreamSink CreateSink(SinkDescriptor sink, SinkContext context)
    {
        ArgumentNullException.ThrowIfNull(sink);
        return new ConsoleSink(sink);
    }

    private sealed class ConsoleSink(SinkDescriptor sink) : IStreamSink
    {
        public string Description => "org.apache.spark.sql.execution.streaming.ConsoleTable$";

        public ISinkWriter CreateWriter(SinkWriterContext context) => new Writer(sink, context.Epoch);
    }

    private sealed class Writer(SinkDescriptor sink, long epoch) : GatheringSinkWriter(sink.Schema)
    {
        protected override Task CommitRowsAsync(RecordBatch rows, SinkCommitContext context, CancellationToken cancellationToken)
        {
            var numRows = int.TryParse(sink.Option("numRows"), out var n) ? n : 20;
            var truncate = sink.Option("truncate") is not { } t || !t.Equals("false", StringComparison.OrdinalIgnoreCase);
            const string rule = "-------------------------------------------";
            System.Console.Write($"{rule}\nBatch: {epoch}\n{rule}\n{ConsoleFormatter.Show(rows, numRows, truncate)}\n");
            return Task.CompletedTask;
        }
    }
}
