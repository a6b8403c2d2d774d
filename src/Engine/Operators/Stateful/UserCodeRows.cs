using Apache.Arrow;
using OrleansStream.Client;
using OrleansStream.Engine.Operators.Aggregation;
using OrleansStream.Engine.State.Families;
using OrleansStream.Plan.Data;

namespace OrleansStream.Engine.Operators.Stateful;

/// <summary>
/// Rows crossing into and out of user code that works per grouping key: the API edge, where <see cref="Row"/>s are the
/// contract. The epoch's rows go in grouped by key (in key byte order, so a re-run calls the code in the same order, and in
/// arrival order within a key); the rows the code returns come out as one batch of the output schema.
/// </summary>
internal static class UserCodeRows
{
    /// <summary>
    /// The epoch's on-time data rows (input 0) by key, in key byte order, each key's rows in arrival order;
    /// <paramref name="dropped"/> counts the rows the late threshold drops. Other inputs (transformWithState's initial
    /// state) are the caller's to handle.
    /// </summary>
    /// <remarks>Keys are grouped by hash and only the distinct keys sorted, and every key's rows are a slice of one array: at
    /// a million keys a sorted tree would cost a node and a list per key, and a comparison of key bytes per tree level.</remarks>
    public static List<(StateKey Key, ArraySegment<Row> Rows)> GroupByKey(KeyedStateStore store, IReadOnlyList<int> keyColumns, IReadOnlyList<KeyedInput> input,
        int? eventTimeColumn, long? lateThresholdMicros, out long dropped)
    {
        dropped = 0;
        var rows = new List<Row>();
        var keys = new List<StateKey>();
        foreach (var (index, batch) in input)
        {
            if (index != 0) continue;
            var (onTime, late) = LateRows.Drop(batch, eventTimeColumn, lateThresholdMicros);
            dropped += late;
            if (onTime.Length == 0) continue;
            keys.AddRange(store.Keys(keyColumns.Select(c => onTime.Column(c)).ToList(), onTime.Length));
            rows.AddRange(Row.FromBatch(onTime));
        }
        var groupOf = new Dictionary<StateKey, int>();
        var groupKeys = new List<StateKey>();
        var counts = new List<int>();
        var rowGroup = new int[rows.Count];
        for (var r = 0; r < rows.Count; r++)
        {
            if (!groupOf.TryGetValue(keys[r], out var g))
            {
                groupOf.Add(keys[r], g = groupKeys.Count);
                groupKeys.Add(keys[r]);
                counts.Add(0);
            }
            rowGroup[r] = g;
            counts[g]++;
        }
        // The keys are distinct, so an unstable sort still gives one order.
        var sortedKeys = groupKeys.ToArray();
        var order = new int[sortedKeys.Length];
        for (var g = 0; g < order.Length; g++) order[g] = g;
        System.Array.Sort(sortedKeys, order);
        var grouped = new Row[rows.Count];
        var next = new int[order.Length];
        var groups = new List<(StateKey Key, ArraySegment<Row> Rows)>(order.Length);
        var at = 0;
        for (var i = 0; i < order.Length; i++)
        {
            var count = counts[order[i]];
            next[order[i]] = at;
            groups.Add((sortedKeys[i], new ArraySegment<Row>(grouped, at, count)));
            at += count;
        }
        for (var r = 0; r < rows.Count; r++) grouped[next[rowGroup[r]]++] = rows[r];
        return groups;
    }

    /// <summary>The key rows of <paramref name="keys"/> (named as the grouping columns).</summary>
    public static IReadOnlyList<Row> KeyRows(KeyedStateStore store, IReadOnlyList<StateKey> keys) =>
        Row.FromBatch(new RecordBatch(store.KeySchema, store.KeyColumns(keys), keys.Count));

    /// <summary>The rows user code returned, as a batch of <paramref name="schema"/>; a row of the wrong width names <paramref name="code"/>.</summary>
    public static RecordBatch Build(Schema schema, List<Row> rows, string code)
    {
        var builders = ArrowValues.CreateBuilders(schema);
        var width = schema.FieldsList.Count;
        foreach (var row in rows)
        {
            if (row is null || row.Count != width)
                throw new InvalidOperationException($"The {code} returned a row of {row?.Count ?? 0} values, but its output schema has {width} columns ({string.Join(", ", schema.FieldsList.Select(f => f.Name))}).");
            for (var c = 0; c < width; c++) builders[c].Append(row[c]);
        }
        return ArrowValues.Build(schema, builders, rows.Count);
    }
}
