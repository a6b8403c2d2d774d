using Apache.Arrow;
using OrleansStream.Engine.Expressions.Kernels;

namespace OrleansStream.Engine.Operators.Join;

/// <summary>
/// Collects an epoch's join output in pieces, each gathered column by column from its sources: joined pairs (a left row and
/// a right row), outer rows padded with nulls on the side that found no match, and the left rows of semi and anti joins.
/// </summary>
internal sealed class JoinOutput
{
    private readonly Schema _schema;
    private readonly int _leftColumns;
    private readonly List<RecordBatch> _pieces = new();

    /// <summary>Output of <paramref name="schema"/>, whose first <paramref name="leftColumns"/> columns come from the left side and
    /// the rest (none for semi and anti joins) from the right.</summary>
    public JoinOutput(Schema schema, int leftColumns)
    {
        _schema = schema;
        _leftColumns = leftColumns;
    }

    /// <summary>Rows output so far.</summary>
    public long Rows { get; private set; }

    /// <summary>Adds row i = (<c>left[leftRows[i]]</c>, <c>right[rightRows[i]]</c>); a null source pads its side with nulls.</summary>
    public void Add(RecordBatch? left, ReadOnlySpan<int> leftRows, RecordBatch? right, ReadOnlySpan<int> rightRows)
    {
        var n = left is not null ? leftRows.Length : rightRows.Length;
        if (n == 0) return;
        var fields = _schema.FieldsList;
        var columns = new IArrowArray[fields.Count];
        for (var c = 0; c < _leftColumns; c++)
            columns[c] = left is null ? ArrayFactory.Nulls(fields[c].DataType, n) : TakeKernel.Take(left.Column(c), leftRows);
        for (var c = _leftColumns; c < columns.Length; c++)
            columns[c] = right is null ? ArrayFactory.Nulls(fields[c].DataType, n) : TakeKernel.Take(right.Column(c - _leftColumns), rightRows);
        _pieces.Add(new RecordBatch(_schema, columns, n));
        Rows += n;
    }

    /// <summary>Adds the rows <paramref name="rows"/> of <paramref name="left"/> alone (semi and anti joins), or padded with nulls
    /// on the right.</summary>
    public void AddLeft(RecordBatch left, ReadOnlySpan<int> rows) => Add(left, rows, null, default);

    /// <summary>Adds the rows <paramref name="rows"/> of <paramref name="right"/> padded with nulls on the left.</summary>
    public void AddRight(RecordBatch right, ReadOnlySpan<int> rows) => Add(null, default, right, rows);

    /// <summary>Everything added, as one batch; the collector is empty again afterwards.</summary>
    public RecordBatch Finish()
    {
        var result = _pieces.Count == 1 ? _pieces[0] : OrleansStream.Plan.Data.ArrowValues.Concat(_schema, _pieces);
        _pieces.Clear();
        Rows = 0;
        return result;
    }
}
