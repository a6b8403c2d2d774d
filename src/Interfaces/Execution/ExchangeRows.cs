using Apache.Arrow;

namespace OrleansStream.Interfaces.Execution;

/// <summary>
/// An exchange's part on its way to a state partition: rows of one key-group range. Within a silo the batch itself is
/// passed on (no copy, no encoding), and the part's single owner becomes the partition, which releases its pooled arrays
/// once the epoch no longer reads them; a call that leaves the silo carries it as an Arrow IPC stream (its codec lives with
/// the grains), and once that call completed the sender releases its arrays (<see cref="SentAsCopyOnly"/>). Neither side
/// may change the batch.
/// </summary>
[Immutable]
public sealed class ExchangeRows
{
    private int _encoded;
    private int _received;

    /// <summary>The part <paramref name="rows"/>.</summary>
    public ExchangeRows(RecordBatch rows) => Rows = rows ?? throw new ArgumentNullException(nameof(rows));

    /// <summary>The part's rows.</summary>
    public RecordBatch Rows { get; }

    /// <summary>
    /// True when the part went out only as bytes: encoded for a call that left the silo, and this very instance never
    /// received by a partition (a message Orleans re-sends after a rejection may reach an activation in the sender's silo,
    /// which then holds the instance). Read once the call completed: the sender's arrays are then its own to release.
    /// </summary>
    internal bool SentAsCopyOnly => Volatile.Read(ref _encoded) != 0 && Volatile.Read(ref _received) == 0;

    /// <summary>Notes that the part was encoded for a call that leaves the silo (its codec calls this).</summary>
    internal void NoteEncoded() => Volatile.Write(ref _encoded, 1);

    /// <summary>Notes that a partition received this instance itself: its arrays are the partition's now.</summary>
    internal void NoteReceived() => Volatile.Write(ref _received, 1);
}
