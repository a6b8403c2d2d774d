using Apache.Arrow;
using OrleansStream.Client;
using OrleansStream.Engine.Operators.Aggregation;
using OrleansStream.Engine.State.Families;
using OrleansStream.Plan.Data;

namespace OrleansStream.Engine.Operators.Stateful;

/// <summary>
/// The API edge of a transformWithState epoch, where Arrow rows become the <see cref="Row"/>s a processor sees and its rows
/// become the output batch (per-row objects are the contract here).
/// </summary>
internal static class ProcessorRows
{
    /// <summary>
    /// The epoch's on-time rows by key, in arrival order within a key, keys in key byte order (the order handlers are called
    /// in, so that a re-run epoch calls them alike); and how many rows were late.
    /// </summary>
    public static (SortedDictionary<StateKey, List<Row>> Groups, long Dropped) Group(KeyedStateStore store, int[] keyColumns, int? eventTimeColumn,
        IReadOnlyList<KeyedInput> input, long? lateThresholdMicros)
    {
        var groups = new SortedDictionary<StateKey, List<Row>>();
        long dropped = 0;
        foreach (var (_, batch) in input)
        {
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
        return (groups, dropped);
    }

    /// <summary>The grouping key of an input row, as the processor's key row.</summary>
    public static Row KeyRow(Row row, int[] keyColumns, string[] keyNames) => new(keyColumns.Select(c => row[c]).ToArray(), keyNames);

    /// <summary>The processor's rows as a batch of <paramref name="outputSchema"/>; a row of another width is refused naming the processor.</summary>
    public static RecordBatch Build(Schema outputSchema, Type processor, List<Row> rows)
    {
        var builders = ArrowValues.CreateBuilders(outputSchema);
        var width = outputSchema.FieldsList.Count;
        foreach (var row in rows)
        {
            if (row is null || row.Count != width)
                throw new InvalidOperationException($"The stateful processor {processor.FullName} returned a row of {row?.Count ?? 0} values, but its output schema has {width} columns ({string.Join(", ", outputSchema.FieldsList.Select(f => f.Name))}).");
            for (var c = 0; c < width; c++) builders[c].Append(row[c]);
        }
        return ArrowValues.Build(outputSchema, builders, rows.Count);
    }

    /// <summary>Floor division (µs to ms of times before 1970 too).</summary>
    public static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);
}
