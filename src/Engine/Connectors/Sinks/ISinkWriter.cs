using Apache.Arrow;

namespace OrleansStream.Engine.Connectors;

/// <summary>Writes one partition of one epoch attempt. An attempt that fails is dropped with its writer and runs again.</summary>
public interface ISinkWriter
{
    /// <summary>
    /// Takes the rows <paramref name="producer"/> (a task index, the same in a replay) made, once per producer and
    /// attempt; the writer owns <paramref name="batches"/> from here.
    /// </summary>
    Task WriteAsync(int producer, IReadOnlyList<RecordBatch> batches, CancellationToken cancellationToken);

    /// <summary>Commits the partition; returns what the epoch commit needs of it (a file sink: its part files).</summary>
    Task<IReadOnlyList<string>> CommitAsync(SinkCommitContext context, CancellationToken cancellationToken);
}
