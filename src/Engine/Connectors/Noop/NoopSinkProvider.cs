namespace OrleansStream.Engine.Connectors.Noop;

/// <summary>Spark's <c>noop</c> sink (benchmarks): runs the query and throws its rows away.</summary>
public sealed class NoopSinkProvider : ISinkProvider
{
    /// <inheritdoc/>
    public IReadOnlyCollection<string> Formats { get; } = ["noop"];

    /// <inheritdoc/>
    public IStreamSink CreateSink(SinkDescriptor sink, SinkContext context) => NoopSink.Instance;

    private sealed class NoopSink : IStreamSink
    {
        public static readonly NoopSink Instance = new();

        public string Description => "NoopTable";

        public bool DiscardsRows => true;

        public ISinkWriter CreateWriter(SinkWriterContext context) => NoopWriter.Instance;
    }

    private sealed class NoopWriter : ISinkWriter
    {
        public static readonly NoopWriter Instance = new();

        public Task WriteAsync(int producer, IReadOnlyList<Apache.Arrow.RecordBatch> batches, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<IReadOnlyList<string>> CommitAsync(SinkCommitContext context, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>([]);
    }
}
