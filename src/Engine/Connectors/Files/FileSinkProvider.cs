using OrleansStream.Engine.Formats;

namespace OrleansStream.Engine.Connectors.Files;

/// <summary>The file formats (json, csv, text, parquet) as sinks: part files per producer and a <c>_spark_metadata</c> log.</summary>
public sealed class FileSinkProvider : ISinkProvider
{
    /// <inheritdoc/>
    public IReadOnlyCollection<string> Formats => FileFormats.Names;

    /// <inheritdoc/>
    public void Validate(SinkDescriptor sink, SinkContext context)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (sink.OutputMode != "append") throw new InvalidOperationException($"Data source {sink.Format} does not support {sink.OutputMode} output mode.");
        if (string.IsNullOrWhiteSpace(sink.Option("path")))
            throw new ArgumentException("'path' is not specified: the file sink needs option 'path'.");
        // Its log maps epochs to files for good: a temporary checkpoint would write epoch 0 into the log again.
        if (sink.Option("checkpointLocation") is null)
            throw new ArgumentException("checkpointLocation must be specified either through option(\"checkpointLocation\", ...) for file sinks.");
    }

    /// <inheritdoc/>
    public IStreamSink CreateSink(SinkDescriptor sink, SinkContext context)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(context);
        var directory = DataPath.Of(sink.Options);
        if (context.FileRoots is { } roots && roots.Outside(directory) is { } real)
            throw new ArgumentException($"Option 'path' = {roots.Describe(directory, real)}; this cluster only reads and writes files there.");
        return new FileStreamSink(sink, directory, context);
    }
}
