using Apache.Arrow;
using OrleansStream.Engine.Data;

namespace OrleansStream.Engine.Connectors;

/// <summary>
/// A writer of a <see cref="SinkPartitioning.Single"/> sink: gathers an epoch's rows in producer order and hands them on at
/// commit as one batch, so that the result does not depend on which producer answered first.
/// </summary>
public abstract class GatheringSinkWriter(Schema schema) : ISinkWriter
{
    private readonly SortedDictionary<int, IReadOnlyList<RecordBatch>> _staged = new();

    /// <summary>The schema of the rows.</summary>
    protected Schema Schema => schema;

    /// <inheritdoc/>
    public Task WriteAsync(int producer, IReadOnlyList<RecordBatch> batches, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batches);
        // A producer writes once per attempt; a second write from it replaces the first, as a retried call would.
        _staged[producer] = batches;
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<string>> CommitAsync(SinkCommitContext context, CancellationToken cancellationToken)
    {
        var batches = new List<RecordBatch>();
        foreach (var list in _staged.Values) batches.AddRange(list);
        _staged.Clear();
        await CommitRowsAsync(ArrowValues.Concat(schema, batches), context, cancellationToken).ConfigureAwait(false);
        return [];
    }

    /// <summary>Hands on the epoch's rows (possibly none).</summary>
    protected abstract Task CommitRowsAsync(RecordBatch rows, SinkCommitContext context, CancellationToken cancellationToken);
}
