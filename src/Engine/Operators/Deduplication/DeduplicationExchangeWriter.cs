using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Execution;

namespace OrleansStream.Engine.Operators.Deduplication;

/// <summary>The input side of dropDuplicates: rows travel as they are, routed on the key columns.</summary>
public sealed class DeduplicationExchangeWriter : IExchangeWriter
{
    private readonly List<RecordBatch> _rows = new();

    /// <summary>Creates the writer for rows of <paramref name="schema"/> keyed on <paramref name="keyColumns"/>.</summary>
    public DeduplicationExchangeWriter(Schema schema, IReadOnlyList<int> keyColumns)
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
