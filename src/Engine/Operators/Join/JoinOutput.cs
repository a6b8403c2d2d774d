using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Expressions.Kernels;

namespace OrleansStream.Engine.Operators.Join;

/// <summary>
/// Collects an epoch's join output in pieces: joined pairs (a left row and a right row), outer rows padded with nulls on the
/// side that found no match, and the left rows of semi and anti joins. A piece records its sources and rows only; each
/// output column is gathered once, from every piece straight into the epoch's column, in <see cref="Finish"/> (bigint-like,
/// int-like and string/binary columns; other types are gathered per piece and concatenated). A column that only pads (the
/// right side of a watermark's left outer rows) becomes one null column.
/// </summary>
internal sealed class JoinOutput
{
    private readonly Schema _schema;
    private readonly int _leftColumns;
    private readonly List<Piece> _pieces = new();

    /// <summary>Output of <paramref name="schema"/>, whose first <paramref name="leftColumns"/> columns come from the left side and
    /// the rest (none for semi and anti joins) from the right.</summary>
    public JoinOutput(Schema schema, int leftColumns)
    {
        _schema = schema;
        _leftColumns = leftColumns;
    }

    // Row i of a piece is row Rows[i] of a side's batch (row i when Rows is null); a null batch pads that side with nulls.
    private readonly record struct Piece(RecordBatch? Left, int[]? LeftRows, RecordBatch? Right, int[]? RightRows, int Length);

    /// <summary>Rows output so far.</summary>
    public long Rows { get; private set; }

    /// <summary>Adds the rows of <paramref name="left"/> (all of them when <paramref name="rows"/> is null), padded with nulls on the right.</summary>
    public void AddLeft(RecordBatch left, int[]? rows) => Add(new Piece(left, rows, null, null, rows?.Length ?? left.Length));

    /// <summary>Adds the rows of <paramref name="right"/> (all of them when <paramref name="rows"/> is null), padded with nulls on the left.</summary>
    public void AddRight(RecordBatch right, int[]? rows) => Add(new Piece(null, null, right, rows, rows?.Length ?? right.Length));

    /// <summary>Adds row i = (<c>left[leftRows[i]]</c>, <c>right[rightRows[i]]</c>). The arrays are kept until <see cref="Finish"/>:
    /// the caller does not change them.</summary>
    public void Add(RecordBatch left, int[] leftRows, RecordBatch right, int[] rightRows) =>
        Add(new Piece(left, leftRows, right, rightRows, leftRows.Length));

    private void Add(Piece piece)
    {
        if (piece.Length == 0) return;
        _pieces.Add(piece);
        Rows += piece.Length;
    }

    /// <summary>Everything added, as one batch; the collector is empty again afterwards.</summary>
    public RecordBatch Finish()
    {
        var fields = _schema.FieldsList;
        var total = (int)Rows;
        if (_pieces.Count == 0) return ArrowValues.Empty(_schema);
        var columns = new IArrowArray[fields.Count];
        for (var c = 0; c < columns.Length; c++)
        {
            var isLeft = c < _leftColumns;
            var column = isLeft ? c : c - _leftColumns;
            var type = fields[c].DataType;
            var anyValues = false;
            foreach (var p in _pieces) anyValues |= (isLeft ? p.Left : p.Right) is not null;
            columns[c] = !anyValues ? NullColumns.Of(type, total)
                : type switch
                {
                    FixedWidthType { BitWidth: 64 } => GatherFixed<long>(type, isLeft, column, total),
                    FixedWidthType { BitWidth: 32 } => GatherFixed<int>(type, isLeft, column, total),
                    StringType or BinaryType => GatherBytes(type, isLeft, column, total),
                    _ => GatherPieces(type, isLeft, column),
                };
        }
        _pieces.Clear();
        Rows = 0;
        return new RecordBatch(_schema, columns, total);
    }

    private static (IArrowArray? Source, int[]? Rows) SourceOf(Piece p, bool isLeft, int column) =>
        isLeft ? (p.Left?.Column(column), p.LeftRows) : (p.Right?.Column(column), p.RightRows);

    // A validity bitmap when some row may be null (a padding piece or a source with nulls), else null.
    private byte[]? NewValidity(bool isLeft, int column, int total)
    {
        foreach (var p in _pieces)
        {
            var (source, _) = SourceOf(p, isLeft, column);
            if (source is null || source.NullCount > 0) return new byte[BitUtility.ByteCount(total)];
        }
        return null;
    }

    // Sets the validity bits of the piece's rows at output rows [at, at + n); returns how many are null.
    private static int SetValidity(byte[] validity, IArrowArray? source, int[]? rows, int at, int n)
    {
        if (source is null) return n;
        var bits = ArrowSpans.Validity(source);
        var nulls = 0;
        for (var i = 0; i < n; i++)
        {
            if (ArrowSpans.IsValid(bits, source.Offset, rows is null ? i : rows[i])) BitUtility.SetBit(validity, at + i);
            else nulls++;
        }
        return nulls;
    }

    private IArrowArray GatherFixed<T>(IArrowType type, bool isLeft, int column, int total) where T : unmanaged
    {
        var bytes = GC.AllocateUninitializedArray<byte>(total * System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
        var values = MemoryMarshal.Cast<byte, T>(bytes.AsSpan());
        var validity = NewValidity(isLeft, column, total);
        var at = 0;
        var nulls = 0;
        foreach (var p in _pieces)
        {
            var (source, rows) = SourceOf(p, isLeft, column);
            var n = p.Length;
            var into = values.Slice(at, n);
            if (source is null) into.Clear();
            else
            {
                var from = ArrowSpans.Values<T>(source);
                if (rows is null) from[..n].CopyTo(into);
                else for (var i = 0; i < n; i++) into[i] = from[rows[i]];
            }
            if (validity is not null) nulls += SetValidity(validity, source, rows, at, n);
            at += n;
        }
        return ArrowArrayFactory.BuildArray(new ArrayData(type, total, nulls, 0,
            [validity is null ? ArrowBuffer.Empty : new ArrowBuffer(validity), new ArrowBuffer(bytes)], []));
    }

    private IArrowArray GatherBytes(IArrowType type, bool isLeft, int column, int total)
    {
        long size = 0;
        foreach (var p in _pieces)
        {
            var (source, rows) = SourceOf(p, isLeft, column);
            if (source is null) continue;
            var offsets = ArrowSpans.Offsets(source);
            if (rows is null) size += offsets[p.Length] - offsets[0];
            else foreach (var r in rows) size += offsets[r + 1] - offsets[r];
        }
        var data = GC.AllocateUninitializedArray<byte>(checked((int)size));
        var offsetBytes = GC.AllocateUninitializedArray<byte>((total + 1) * sizeof(int));
        var outOffsets = MemoryMarshal.Cast<byte, int>(offsetBytes.AsSpan());
        var validity = NewValidity(isLeft, column, total);
        var at = 0;
        var pos = 0;
        var nulls = 0;
        foreach (var p in _pieces)
        {
            var (source, rows) = SourceOf(p, isLeft, column);
            var n = p.Length;
            if (source is null) outOffsets.Slice(at, n).Fill(pos);
            else
            {
                var offsets = ArrowSpans.Offsets(source);
                var bytes = ArrowSpans.Bytes(source);
                for (var i = 0; i < n; i++)
                {
                    var r = rows is null ? i : rows[i];
                    var start = offsets[r];
                    var length = offsets[r + 1] - start;
                    outOffsets[at + i] = pos;
                    bytes.Slice(start, length).CopyTo(data.AsSpan(pos));
                    pos += length;
                }
            }
            if (validity is not null) nulls += SetValidity(validity, source, rows, at, n);
            at += n;
        }
        outOffsets[total] = pos;
        return ArrowArrayFactory.BuildArray(new ArrayData(type, total, nulls, 0,
            [validity is null ? ArrowBuffer.Empty : new ArrowBuffer(validity), new ArrowBuffer(offsetBytes), new ArrowBuffer(data)], []));
    }

    // Any other type: each piece's rows gathered on their own, then concatenated.
    private IArrowArray GatherPieces(IArrowType type, bool isLeft, int column)
    {
        var parts = new List<IArrowArray>(_pieces.Count);
        foreach (var p in _pieces)
        {
            var (source, rows) = SourceOf(p, isLeft, column);
            parts.Add(source is null ? NullColumns.Of(type, p.Length)
                : rows is null ? (source.Length == p.Length ? source : ArrowArrayFactory.Slice(source, 0, p.Length))
                : TakeKernel.Take(source, rows));
        }
        return ConcatKernel.Concat(parts);
    }
}
