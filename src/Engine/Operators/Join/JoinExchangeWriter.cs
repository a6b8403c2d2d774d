using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Execution;

namespace OrleansStream.Engine.Operators.Join;

/// <summary>
/// The input side of a join, one per join input: rows travel as they are, routed on that side's equi-join key columns. The
/// planner gives both sides' key columns the same Arrow types pairwise, and routing hashes a key's encoded value, so equal
/// keys of the two sides land in the same key group on every machine. Without keys every row goes to the empty key's group.
/// </summary>
public sealed class JoinExchangeWriter : IExchangeWriter
{
    private readonly List<RecordBatch> _rows = new();

    /// <summary>Creates the writer for rows of <paramref name="schema"/> keyed on <paramref name="keyColumns"/>.</summary>
    public JoinExchangeWriter(Schema schema, IReadOnlyList<int> keyColumns)
    {
        ExchangeSchema = schema ?? throw new ArgumentNullException(nameof(schema));
        RoutingColumns = keyColumns ?? throw new ArgumentNullException(nameof(keyColumns));
    }

    /// <inheritdoc />
    public Schema ExchangeSchema { get; }

    /// <inheritdoc />
    public IReadOnlyList<int> RoutingColumns { get; }

    /// <inheritdoc />
    public void Add(RecordBatch batch, EpochContext context)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Length > 0) _rows.Add(batch);
    }

    /// <inheritdoc />
    public RecordBatch? Finish()
    {
        if (_rows.Count == 0) return null;
        var all = _rows.Count == 1 ? _rows[0] : ArrowValues.Concat(ExchangeSchema, _rows);
        _rows.Clear();
        return all;
    }
}
