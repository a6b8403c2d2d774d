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
    /// The epoch's on-time data rows (input 0) by key; <paramref name="dropped"/> counts the rows the late threshold drops.
    /// Other inputs (transformWithState's initial state) are the caller's to handle.
    /// </summary>
    public static SortedDictionary<StateKey, List<Row>> GroupByKey(KeyedStateStore store, IReadOnlyList<int> keyColumns, IReadOnlyList<KeyedInput> input,
        int? eventTimeColumn, long? lateThresholdMicros, out long dropped)
    {
        var groups = new SortedDictionary<StateKey, List<Row>>();
        dropped = 0;
        foreach (var (index, batch) in input)
        {
            if (index != 0) continue;
            var (rows, late) = LateRows.Drop(batch, eventTimeColumn, lateThresholdMicros);
            dropped += late;
            if (rows.Length == 0) continue;
            var keys = store.Keys(keyColumns.Select(c => rows.Column(c)).ToList(), rows.Length);
            var asRows = Row.FromBatch(rows);
            for (var r = 0; r < rows.Length; r++)
            {
                if (!groups.TryGetValue(keys[r], out var list)) groups[keys[r]] = list = [];
                list.Add(asRows[r]);
            }
        }
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
