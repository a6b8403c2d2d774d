using System.Buffers;
using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Expressions.Kernels;

namespace OrleansStream.Engine.State;

/// <summary>
/// Splits a batch by key group (DESIGN.md §2): each row's routing columns hash to one of K key groups, and key groups map
/// to partitions in contiguous ranges, so a partition owns whole key groups and their state can move with them.
/// </summary>
public static class KeyGroupPartitioner
{
    /// <summary>The rows of <paramref name="batch"/> per partition (null where a partition gets none), in row order.</summary>
    public static RecordBatch?[] Split(RecordBatch batch, IReadOnlyList<int> routingColumns, int numKeyGroups, int numPartitions) =>
        Split(batch, routingColumns, numKeyGroups, numPartitions, null);

    /// <summary>
    /// <see cref="Split(RecordBatch, IReadOnlyList{int}, int, int)"/>, each part in arrays rented from <paramref name="pool"/>
    /// by an owner of its own (<see cref="BatchBuffers.Of"/>), never <paramref name="batch"/> itself: a part handed to a
    /// reader in the same process outlives the batch, and the reader releases it once done.
    /// </summary>
    public static RecordBatch?[] SplitOwned(RecordBatch batch, IReadOnlyList<int> routingColumns, int numKeyGroups, int numPartitions, ArrowBufferPool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return Split(batch, routingColumns, numKeyGroups, numPartitions, pool);
    }

    // With ownPool, every part is gathered into arrays of an owner of its own; without, into new arrays (the whole batch as it is).
    private static RecordBatch?[] Split(RecordBatch batch, IReadOnlyList<int> routingColumns, int numKeyGroups, int numPartitions, ArrowBufferPool? ownPool)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(routingColumns);
        ArgumentOutOfRangeException.ThrowIfLessThan(numKeyGroups, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(numPartitions, 1);
        var result = new RecordBatch?[numPartitions];
        var n = batch.Length;
        if (n == 0) return result;
        // No key (a global aggregation): every row has the empty key.
        if (routingColumns.Count == 0)
        {
            result[KeyGroups.PartitionOf(KeyGroups.EmptyKeyGroup, numKeyGroups, numPartitions)] = Whole(batch, ownPool);
            return result;
        }
        var partitions = ArrayPool<int>.Shared.Rent(n);
        var order = ArrayPool<int>.Shared.Rent(n);
        try
        {
            PartitionsOf(batch, routingColumns, numKeyGroups, numPartitions, partitions.AsSpan(0, n));
            Scatter(batch, partitions.AsSpan(0, n), order.AsSpan(0, n), result, ownPool);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(order);
            ArrayPool<int>.Shared.Return(partitions);
        }
        return result;
    }

    /// <summary>The rows of <paramref name="batch"/> whose key group <paramref name="partition"/> owns.</summary>
    public static RecordBatch Owned(RecordBatch batch, IReadOnlyList<int> routingColumns, int numKeyGroups, int numPartitions, int partition) =>
        Split(batch, routingColumns, numKeyGroups, numPartitions)[partition] ?? TakeKernel.TakeRows(batch, []);

    // The batch itself, or an owned copy of it when every part needs an owner of its own: a gather of every row, which
    // copies just the batch's rows where a block copy of a slice's buffers would copy (and a partition that keeps its
    // input would keep) all of the batch it was sliced from; a block copy for column types the gather does not handle.
    private static RecordBatch Whole(RecordBatch batch, ArrowBufferPool? ownPool)
    {
        if (ownPool is null) return batch;
        if (!batch.Schema.FieldsList.All(f => TakeKernel.Supports(f.DataType))) return new BatchBuffers(ownPool).OwnedCopy(batch);
        var rows = ArrayPool<int>.Shared.Rent(batch.Length);
        try
        {
            for (var i = 0; i < batch.Length; i++) rows[i] = i;
            return Gather(batch, rows.AsSpan(0, batch.Length), ownPool);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rows);
        }
    }

    // Counting sort of the row indices by partition (stable, so each partition keeps row order), then one gather per partition.
    private static void Scatter(RecordBatch batch, ReadOnlySpan<int> partitions, Span<int> order, RecordBatch?[] result, ArrowBufferPool? ownPool)
    {
        var numPartitions = result.Length;
        Span<int> starts = numPartitions <= 256 ? stackalloc int[numPartitions + 1] : new int[numPartitions + 1];
        starts.Clear();
        foreach (var p in partitions) starts[p + 1]++;
        for (var p = 0; p < numPartitions; p++)
        {
            if (starts[p + 1] != partitions.Length) continue;
            result[p] = Whole(batch, ownPool);
            return;
        }
        for (var p = 0; p < numPartitions; p++) starts[p + 1] += starts[p];
        Span<int> next = numPartitions <= 256 ? stackalloc int[numPartitions] : new int[numPartitions];
        starts[..numPartitions].CopyTo(next);
        for (var i = 0; i < partitions.Length; i++) order[next[partitions[i]]++] = i;
        for (var p = 0; p < numPartitions; p++)
            if (starts[p + 1] > starts[p]) result[p] = Gather(batch, order[starts[p]..starts[p + 1]], ownPool);
    }

    // The given rows in new arrays, or in arrays of a new owner of ownPool's.
    private static RecordBatch Gather(RecordBatch batch, ReadOnlySpan<int> rows, ArrowBufferPool? ownPool)
    {
        if (ownPool is null) return TakeKernel.TakeRows(batch, rows);
        var owner = new BatchBuffers(ownPool);
        return owner.Own(TakeKernel.TakeRows(batch, rows, owner));
    }

    private static void PartitionsOf(RecordBatch batch, IReadOnlyList<int> routingColumns, int numKeyGroups, int numPartitions, Span<int> partitions)
    {
        var columns = new IArrowArray[routingColumns.Count];
        for (var c = 0; c < columns.Length; c++) columns[c] = batch.Column(routingColumns[c]);
        KeyGroups.Assign(columns, partitions.Length, numKeyGroups, partitions);
        // Key group -> partition through a small table (K is 128 by default) instead of a division per row.
        Span<int> partitionOfGroup = numKeyGroups <= 1024 ? stackalloc int[numKeyGroups] : new int[numKeyGroups];
        for (var g = 0; g < numKeyGroups; g++) partitionOfGroup[g] = KeyGroups.PartitionOf(g, numKeyGroups, numPartitions);
        for (var i = 0; i < partitions.Length; i++) partitions[i] = partitionOfGroup[partitions[i]];
    }
}
