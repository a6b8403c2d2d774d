using Apache.Arrow;

namespace OrleansStream.Interfaces.Execution;

/// <summary>
/// An exchange's part on its way to a state partition: rows of one key-group range. Within a silo the batch itself is
/// passed on (no copy, no encoding), and the part's single owner becomes the partition, which releases its pooled arrays
/// once the epoch no longer reads them; a call that leaves the silo carries it as an Arrow IPC stream (its codec lives with
/// the grains). Neither side may change the batch.
/// </summary>
[Immutable]
public sealed class ExchangeRows
{
    /// <summary>The part <paramref name="rows"/>.</summary>
    public ExchangeRows(RecordBatch rows) => Rows = rows ?? throw new ArgumentNullException(nameof(rows));

    /// <summary>The part's rows.</summary>
    public RecordBatch Rows { get; }
}
