using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Execution;

namespace OrleansStream.Engine.Operators.Join;

/// <summary>
/// The input side of a join, one per join input: rows travel as they are, routed on that side's equi-join key columns. The
/// planner gives both sides' key columns the same Arrow types pairwise, and routing hashes a key's encoded value, so equal
/// keys of the two sides land in the same key group on every machine. Without keys every row goes to the empty key's group.
/// A struct key (a time window) cannot be hashed as such: its leaf fields are then appended to the rows and routed on, and
/// the operator reads the side's own columns only.
/// </summary>
public sealed class JoinExchangeWriter : IExchangeWriter
{
    private readonly List<RecordBatch> _rows = new();
    private readonly Schema _schema;
    private readonly IReadOnlyList<int> _keyColumns;
    private readonly bool _appendKeys;

    /// <summary>Creates the writer for rows of <paramref name="schema"/> keyed on <paramref name="keyColumns"/>.</summary>
    public JoinExchangeWriter(Schema schema, IReadOnlyList<int> keyColumns)
    {
        _schema = schema ?? throw new ArgumentNullException(nameof(schema));
        _keyColumns = keyColumns ?? throw new ArgumentNullException(nameof(keyColumns));
        _appendKeys = JoinKeys.HasStruct(schema, keyColumns);
        if (!_appendKeys)
        {
            ExchangeSchema = schema;
            RoutingColumns = keyColumns;
            return;
        }
        var fields = new List<Field>(schema.FieldsList);
        var keys = JoinKeys.Fields(schema, keyColumns, "__key");
        fields.AddRange(keys);
        ExchangeSchema = new Schema(fields, null);
        RoutingColumns = Enumerable.Range(schema.FieldsList.Count, keys.Count).ToList();
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
        var all = _rows.Count == 1 ? _rows[0] : ArrowValues.Concat(_schema, _rows);
        _rows.Clear();
        if (!_appendKeys) return all;
        var columns = new List<IArrowArray>(all.Arrays);
        columns.AddRange(JoinKeys.Columns(all, _keyColumns));
        return new RecordBatch(ExchangeSchema, columns, all.Length);
    }
}
