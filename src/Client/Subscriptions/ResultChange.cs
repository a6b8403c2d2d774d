using Apache.Arrow;

namespace OrleansStream.Client;

/// <summary>
/// One committed epoch of a query's results, as a live subscription delivers it: for output mode Append the rows the epoch
/// appended, for Update the rows it changed, for Complete the whole result table.
/// </summary>
public sealed class ResultChange
{
    private readonly Lazy<IReadOnlyList<Row>> _rows;

    internal ResultChange(long batchId, string outputMode, IReadOnlyList<RecordBatch> batches)
    {
        BatchId = batchId;
        OutputMode = outputMode;
        Batches = batches;
        _rows = new Lazy<IReadOnlyList<Row>>(() => batches.SelectMany(Row.FromBatch).ToList());
    }

    /// <summary>The epoch (Spark's batch id).</summary>
    public long BatchId { get; }
    /// <summary>The query's output mode: "append", "update" or "complete".</summary>
    public string OutputMode { get; }
    /// <summary>The rows as Arrow batches, one per producer, in producer order (none when the epoch output nothing).</summary>
    public IReadOnlyList<RecordBatch> Batches { get; }
    /// <summary>The rows, in the order of <see cref="Batches"/> (made on first use).</summary>
    public IReadOnlyList<Row> Rows => _rows.Value;

    /// <inheritdoc />
    public override string ToString() => $"ResultChange[batchId={BatchId}, outputMode={OutputMode}, rows={Batches.Sum(b => b.Length)}]";
}
