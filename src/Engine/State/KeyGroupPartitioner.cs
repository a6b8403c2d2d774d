using Apache.Arrow;
using OrleansStream.Engine.Expressions.Kernels;

namespace OrleansStream.Engine.State;

/// <summary>
/// Splits a batch by key group (DESIGN.md §2): each row's routing columns hash to one of K key groups, and key groups map
/// to partitions in contiguous ranges, so a partition owns whole key groups and their state can move with them.
/// </summary>
public static class KeyGroupPartitioner
{
    /// <summary>The rows of <paramref name="batch"/> per partition (null where a partition gets none), in row order.</summary>
    public static RecordBatch?[] Split(RecordBatch batch, IReadOnlyList<int> routingColumns, int numKeyGroups, int numPartitions)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(routingColumns);
        var result = new RecordBatch?[numPartitions];
        if (batch.Length == 0) return result;
        var partitions = PartitionsOf(batch, routingColumns, numKeyGroups, numPartitions);
        var counts = new int[numPartitions];
        foreach (var p in partitions) counts[p]++;
        for (var p = 0; p < numPartitions; p++)
        {
            if (counts[p] == 0) continue;
            if (counts[p] == batch.Length)
            {
                result[p] = batch;
                return result;
            }
            var indices = new int[counts[p]];
            var n = 0;
            for (var i = 0; i < partitions.Length; i++) if (partitions[i] == p) indices[n++] = i;
            result[p] = TakeKernel.TakeRows(batch, indices);
        }
        return result;
    }

    /// <summary>The rows of <paramref name="batch"/> whose key group <paramref name="partition"/> owns.</summary>
    public static RecordBatch Owned(RecordBatch batch, IReadOnlyList<int> routingColumns, int numKeyGroups, int numPartitions, int partition) =>
        Split(batch, routingColumns, numKeyGroups, numPartitions)[partition] ?? TakeKernel.TakeRows(batch, []);

    private static int[] PartitionsOf(RecordBatch batch, IReadOnlyList<int> routingColumns, int numKeyGroups, int numPartitions)
    {
        var groups = new int[batch.Length];
        // No key (a global aggregation): every row belongs to key group 0.
        if (routingColumns.Count > 0)
            KeyGroups.Assign(routingColumns.Select(c => batch.Column(c)).ToList(), batch.Length, numKeyGroups, groups);
        for (var i = 0; i < groups.Length; i++) groups[i] = KeyGroups.PartitionOf(groups[i], numKeyGroups, numPartitions);
        return groups;
    }
}
