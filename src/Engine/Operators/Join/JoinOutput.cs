using Apache.Arrow;
using OrleansStream.Engine.Expressions.Kernels;

namespace OrleansStream.Engine.Operators.Join;

/// <summary>
/// Collects an epoch's join output in pieces, each gathered column by column from its sources: joined pairs (a left row and
/// a right row), outer rows padded with nulls on the side that found no match, and the left rows of semi and anti joins.
/// Padding is recorded, not built, until <see cref="Finish"/>: a column that only pads (the right side of a watermark's
/// left outer rows) becomes one null column instead of a null column per piece concatenated.
/// </summary>
internal sealed class JoinOutput
{
    private readonly Schema _schema;
    private readonly int _leftColumns;
    private readonly List<(IArrowArray?[] Columns, int Length)> _pieces = new();

    /// <summary>Output of <paramref name="schema"/>, whose first <paramref name="leftColumns"/> columns come from the left side and
    /// the rest (none for semi and anti joins) from the right.</summary>
    public JoinOutput(Schema schema, int leftColumns)
    {
        _schema = schema;
        _leftColumns = leftColumns;
    }

    /// <summary>Rows output so far.</summary>
    public long Rows { get; private set; }

    /// <summary>Adds the rows of <paramref name="left"/> (all of them when <paramref name="rows"/> is null), padded with nulls on the right.</summary>
    public void AddLeft(RecordBatch left, int[]? rows)
    {
        if (rows is null) AddWhole(left, isLeft: true);
        else Add(left, rows, null, default);
    }

    /// <summary>Adds the rows of <paramref name="right"/> (all of them when <paramref name="rows"/> is null), padded with nulls on the left.</summary>
    public void AddRight(RecordBatch right, int[]? rows)
    {
        if (rows is null) AddWhole(right, isLeft: false);
        else Add(null, default, right, rows);
    }

    // A whole batch of one side, its columns taken as they are (no gather).
    private void AddWhole(RecordBatch side, bool isLeft)
    {
        var n = side.Length;
        if (n == 0) return;
        var columns = new IArrowArray?[_schema.FieldsList.Count];
        for (var c = 0; c < columns.Length; c++)
        {
            var own = isLeft ? c < _leftColumns : c >= _leftColumns;
            if (own) columns[c] = side.Column(isLeft ? c : c - _leftColumns);
        }
        _pieces.Add((columns, n));
        Rows += n;
    }

    /// <summary>Adds row i = (<c>left[leftRows[i]]</c>, <c>right[rightRows[i]]</c>); a null source pads its side with nulls.</summary>
    public void Add(RecordBatch? left, ReadOnlySpan<int> leftRows, RecordBatch? right, ReadOnlySpan<int> rightRows)
    {
        var n = left is not null ? leftRows.Length : rightRows.Length;
        if (n == 0) return;
        var columns = new IArrowArray?[_schema.FieldsList.Count];
        if (left is not null)
            for (var c = 0; c < _leftColumns; c++) columns[c] = TakeKernel.Take(left.Column(c), leftRows);
        if (right is not null)
            for (var c = _leftColumns; c < columns.Length; c++) columns[c] = TakeKernel.Take(right.Column(c - _leftColumns), rightRows);
        _pieces.Add((columns, n));
        Rows += n;
    }

    /// <summary>Everything added, as one batch; the collector is empty again afterwards.</summary>
    public RecordBatch Finish()
    {
        var fields = _schema.FieldsList;
        var total = (int)Rows;
        if (_pieces.Count == 0) return ArrowValues.Empty(_schema);
        var columns = new IArrowArray[fields.Count];
        var parts = new List<IArrowArray>(_pieces.Count);
        for (var c = 0; c < columns.Length; c++)
        {
            var anyValues = false;
            foreach (var (pieceColumns, _) in _pieces) anyValues |= pieceColumns[c] is not null;
            if (!anyValues)
            {
                columns[c] = NullColumns.Of(fields[c].DataType, total);
                continue;
            }
            parts.Clear();
            foreach (var (pieceColumns, length) in _pieces) parts.Add(pieceColumns[c] ?? NullColumns.Of(fields[c].DataType, length));
            columns[c] = ConcatKernel.Concat(parts);
        }
        _pieces.Clear();
        Rows = 0;
        return new RecordBatch(_schema, columns, total);
    }
}
