using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Sinks;

namespace OrleansStream.Engine.Connectors.Files;

/// <summary>
/// A file sink folder: each producer of an epoch attempt writes a part file of its own (<see cref="FileSinkWriter"/>), and
/// the epoch commit writes the epoch's entry (with one empty part file of the schema when the epoch wrote none) of the folder's <see cref="FileSinkLog"/>, which alone decides which part files
/// count. The folder belongs to one query (<see cref="FileSinkLog.Claim"/>).
/// </summary>
internal sealed class FileStreamSink(SinkDescriptor sink, string directory, SinkContext context) : IStreamSink
{
    public string Description => $"FileSink[{sink.Options.GetValueOrDefault("path")}] ({sink.Format.ToLowerInvariant()})";

    public SinkPartitioning Partitioning => SinkPartitioning.PerProducer;

    // A file sink's folder belongs to one query: a new checkpoint (a reset, or another query) must not mix into it.
    public Task OnQueryStartAsync(SinkQueryStart start, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(start);
        new FileSinkLog(directory).Claim(start.QueryId, start.CheckpointLocation, knownHere: start.Restarted,
            takeOver: sink.Option("takeOverOutput") is { } takeOver && takeOver.Equals("true", StringComparison.OrdinalIgnoreCase));
        return Task.CompletedTask;
    }

    public Task OnRunStartAsync(CancellationToken cancellationToken)
    {
        new FileSinkLog(directory).RemoveStaleTempFiles(context.Time.GetUtcNow().UtcDateTime);
        return Task.CompletedTask;
    }

    public ISinkWriter CreateWriter(SinkWriterContext writer) =>
        new PartWriter(new FileSinkWriter(directory, FileFormats.GetWriter(sink.Format), sink.Options, context.FileRoots), sink.Schema, writer);

    /// <summary>
    /// Writes the epoch's entry of the file-sink log, under the log batch id the folder's owner record maps it to. A replay of
    /// an epoch the log already holds keeps the files committed first; the replay's own files are removed.
    /// </summary>
    public Task CommitAsync(long epoch, IReadOnlyList<string> messages, SinkEpochContext epochContext, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(epochContext);
        var log = new FileSinkLog(directory, context.FileRoots);
        var owner = log.ReadOwner();
        if (owner is not null && owner.QueryId != epochContext.QueryId)
            throw new InvalidOperationException($"Query {epochContext.QueryId} no longer owns its output folder '{log.Directory}': query {owner.QueryId} (checkpoint '{owner.CheckpointLocation}') took it over. Stopping rather than mixing their output.");
        var files = messages.ToList();
        // Spark writes one empty file carrying the schema for a job without rows (SPARK-23271) and the streaming sink logs
        // it, so the folder reads as an empty table of the query's schema before its first row. Written here, once per epoch
        // and only when no producer wrote a file; a replay of an epoch the log holds deletes it below like its other files.
        if (files.Count == 0)
            files.Add(new FileSinkWriter(directory, FileFormats.GetWriter(sink.Format), sink.Options, context.FileRoots)
                .Write(epoch, 0, Guid.NewGuid(), ArrowValues.Concat(sink.Schema, [])));
        var committed = log.Commit((owner?.FirstBatchId ?? 0) + epoch, files);
        foreach (var orphan in files.Except(committed, StringComparer.Ordinal)) File.Delete(Path.Combine(log.Directory, orphan));
        return Task.CompletedTask;
    }

    /// <summary>One part file per producer, named by (epoch, producer, attempt); its commit message is the file names.</summary>
    private sealed class PartWriter(FileSinkWriter files, Schema schema, SinkWriterContext context) : ISinkWriter
    {
        private readonly List<string> _written = new();

        public Task WriteAsync(int producer, IReadOnlyList<RecordBatch> batches, CancellationToken cancellationToken)
        {
            _written.Add(files.Write(context.Epoch, producer, context.Attempt, ArrowValues.Concat(schema, batches)));
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<string>> CommitAsync(SinkCommitContext commit, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<string>>(_written.ToList());
    }
}
