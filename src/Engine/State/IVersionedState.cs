using Apache.Arrow;

namespace OrleansStream.Engine.State;

/// <summary>
/// A keyed state that <see cref="VersionedStateStore"/> versions (DESIGN.md §6): it persists as Arrow batches, a delta of
/// what changed per version and a snapshot of everything now and then, and it routes every state row to a key group, so
/// that the store can split it when the number of partitions changes.
/// </summary>
public interface IVersionedState
{
    /// <summary>Rows changed or removed since the last <see cref="MarkClean"/> (the version's delta).</summary>
    RecordBatch Delta();

    /// <summary>The whole state.</summary>
    RecordBatch Snapshot();

    /// <summary>The whole state, its columns possibly in arrays rented from <paramref name="buffers"/>: for a caller that encodes
    /// the batch at once and then releases <paramref name="buffers"/> (a large state's snapshot is otherwise a set of
    /// state-sized arrays allocated for one write). By default <see cref="Snapshot()"/>.</summary>
    RecordBatch Snapshot(Data.BatchBuffers buffers) => Snapshot();

    /// <summary>The columns of <see cref="Delta"/>'s rows that route a key to its key group (as the exchange routes it).</summary>
    IReadOnlyList<int> StateRoutingColumns { get; }

    /// <summary>
    /// The rows of <paramref name="stateRows"/> (a delta or snapshot) whose key group partition <paramref name="partition"/> of
    /// <paramref name="numPartitions"/> owns (loading a state written by another number of partitions). By default the rows
    /// routed by <see cref="StateRoutingColumns"/>; a state whose batches are not one row per key routes them itself.
    /// </summary>
    RecordBatch Owned(RecordBatch stateRows, int numKeyGroups, int numPartitions, int partition) =>
        KeyGroupPartitioner.Owned(stateRows, StateRoutingColumns, numKeyGroups, numPartitions, partition);

    /// <summary>
    /// True to compress the buffers of this state's files (Arrow IPC with LZ4 frames, Spark's default state file codec), for
    /// a state whose rows compress well (a join's windows, ids near each other); every state file loads either way.
    /// </summary>
    bool CompressCheckpoints => false;

    /// <summary>Starts a new delta.</summary>
    void MarkClean();

    /// <summary>
    /// Takes the delta of the rows changed since the last <see cref="MarkClean"/> as work to build later (on another thread,
    /// while this state changes again) and starts a new delta, as <see cref="MarkClean"/> does; null when the state cannot
    /// part with its delta (then <see cref="Delta"/> builds it at once).
    /// </summary>
    IDetachedDelta? DetachDelta() => null;

    /// <summary>Loads a snapshot or applies a delta (rows of <see cref="Delta"/>'s schema; the caller filters key groups).</summary>
    void Apply(RecordBatch stateRows);
}
