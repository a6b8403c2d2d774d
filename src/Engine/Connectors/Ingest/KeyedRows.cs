using System.Globalization;
using System.Runtime.InteropServices;
using Apache.Arrow;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Plan.Data;

namespace OrleansStream.Engine.Connectors.Ingest;

/// <summary>Splits a batch by the value of one column, for sinks that publish one item per key (the orleans-stream sink).</summary>
public static class KeyedRows
{
    /// <summary>
    /// The rows of <paramref name="rows"/> per value of column <paramref name="keyIndex"/> (as invariant text; "null" for
    /// nulls), in order of first appearance, each group's rows in their order.
    /// </summary>
    public static IReadOnlyList<(string Key, RecordBatch Rows)> GroupBy(RecordBatch rows, int keyIndex)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var groups = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var order = new List<string>();
        var column = rows.Column(keyIndex);
        for (int r = 0; r < rows.Length; r++)
        {
            // One text per row at the edge to services; the key is the item's stream key, so it is text anyway.
            var key = column.IsNull(r) ? "null" : Convert.ToString(ArrowValues.GetValue(column, r), CultureInfo.InvariantCulture)!;
            if (!groups.TryGetValue(key, out var indices))
            {
                groups[key] = indices = [];
                order.Add(key);
            }
            indices.Add(r);
        }
        var result = new (string, RecordBatch)[order.Count];
        for (int g = 0; g < result.Length; g++) result[g] = (order[g], TakeKernel.TakeRows(rows, CollectionsMarshal.AsSpan(groups[order[g]])));
        return result;
    }
}
