using Apache.Arrow;

namespace OrleansStream.Engine.Connectors;

/// <summary>
/// A batch relation read inside a streaming query (the static side of a stream-static join). Spark evaluates a batch
/// DataFrame again for every micro-batch, so each epoch reads the whole relation as it is when the epoch is planned: the
/// trigger asks <see cref="VersionAsync"/> and writes the answer ahead with the epoch's offsets, and every read of the epoch
/// (a replay too) reads exactly that version.
/// </summary>
public interface IStaticSource
{
    /// <summary>The schema of the relation's rows.</summary>
    Schema Schema { get; }

    /// <summary>
    /// What decides the relation's content now, as text (a folder's files with their sizes and modification times; a table's
    /// version). Two equal versions read the same rows, so a reader may keep the batches of the last version it read.
    /// </summary>
    Task<string> VersionAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Yields every row of <paramref name="version"/> (from <see cref="VersionAsync"/>), decoding only <paramref name="columns"/>
    /// (a part of <see cref="Schema"/>, in its order) when the source can.
    /// </summary>
    /// <exception cref="IOException">The version can no longer be read as it was (a recorded file changed or vanished).</exception>
    IAsyncEnumerable<RecordBatch> ReadAsync(string version, Schema columns, CancellationToken cancellationToken);
}
