using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Engine.Planning.Physical;
using OrleansStream.Engine.State;

namespace OrleansStream.Engine.Operators.Join;

/// <summary>
/// The layout of a stream-stream join's state batches (its deltas and snapshots).
/// <para>Format 2, written now: one row with a column per side, <c>"left"</c> and <c>"right"</c>, each a list of that side's
/// state rows: a struct of <c>"__update"</c> (true: a row of an earlier version whose matched flag was set since, not a new
/// row), <c>"__id"</c> and <c>"__matched"</c> (only for join types that read matched flags: outer and semi joins), then the
/// side's own columns. Each side stores only its own columns, and the join key and the eviction time are not stored: both
/// are computed from the row's columns again when it is loaded, as when it was first buffered.</para>
/// <para>Format 1, written before (still read): one flat row per state row, <c>"__side"</c>, <c>"__update"</c>,
/// <c>"__id"</c>, <c>"__matched"</c>, <c>"__time"</c>, the flattened join key <c>"__k*"</c> (the routing columns), the
/// left side's columns <c>"__l*"</c> and the right side's <c>"__r*"</c>, the other side's columns null. That padding and the
/// key held twice made a q8 state row about 100 bytes where its own columns are 25 to 40.</para>
/// </summary>
internal sealed class JoinStateLayout
{
    /// <summary>Columns of format 1 before the key.</summary>
    public const int Format1FixedColumns = 5;

    private const string FormatKey = "orleansstream.join.stateFormat";
    private const string UpdateColumn = "__update";
    private const string IdColumn = "__id";
    private const string MatchedColumn = "__matched";
    private static readonly string[] SideNames = ["left", "right"];

    private readonly Schema[] _sideSchemas = new Schema[2];
    private readonly Schema[] _own = new Schema[2];
    private readonly IReadOnlyList<int>[] _keys = new IReadOnlyList<int>[2];
    private readonly Schema _schema;

    /// <summary>The layout of the state of <paramref name="spec"/>'s join.</summary>
    public JoinStateLayout(JoinOperatorSpec spec)
    {
        TracksMatches = spec.Type != JoinType.Inner;
        _keys[0] = spec.LeftKeys;
        _keys[1] = spec.RightKeys;
        _own[0] = spec.Left;
        _own[1] = spec.Right;
        var lists = new List<Field>();
        for (var side = 0; side < 2; side++)
        {
            var fields = new List<Field> { new(UpdateColumn, BooleanType.Default, false) };
            if (TracksMatches)
            {
                fields.Add(new Field(IdColumn, Int64Type.Default, false));
                fields.Add(new Field(MatchedColumn, BooleanType.Default, false));
            }
            fields.AddRange(_own[side].FieldsList);
            _sideSchemas[side] = new Schema(fields, null);
            lists.Add(new Field(SideNames[side], new ListType(new Field("item", new StructType(fields), false)), false));
        }
        _schema = new Schema(lists, new Dictionary<string, string> { [FormatKey] = "2" });
    }

    /// <summary>True when rows carry an id and a matched flag (a join type that reads matched flags).</summary>
    public bool TracksMatches { get; }

    /// <summary>Columns of a side's state rows before the side's own columns.</summary>
    public int FixedColumns => TracksMatches ? 3 : 1;

    /// <summary>The schema of one side's state rows: "__update", ["__id", "__matched"], then the side's columns.</summary>
    public Schema SideSchema(int side) => _sideSchemas[side];

    /// <summary>True for a batch of format 1 (flat rows, "__side" first).</summary>
    public static bool IsFormat1(RecordBatch stateRows) =>
        stateRows.ColumnCount > 0 && stateRows.Schema.FieldsList[0].Name == "__side";

    /// <summary>A state batch of format 2 holding each side's state rows (of <see cref="SideSchema"/>), with <paramref name="metadata"/>.</summary>
    public RecordBatch Build(RecordBatch left, RecordBatch right, IReadOnlyDictionary<string, string>? metadata)
    {
        var schema = _schema;
        if (metadata is { Count: > 0 })
        {
            var all = new Dictionary<string, string>(metadata) { [FormatKey] = "2" };
            schema = new Schema(_schema.FieldsList, all);
        }
        return new RecordBatch(schema, [List(0, left), List(1, right)], 1);
    }

    // One list value holding every row: offsets [0, n] over a struct of the side's columns (slices stay slices).
    private IArrowArray List(int side, RecordBatch rows)
    {
        var type = (ListType)_schema.FieldsList[side].DataType;
        var items = new StructArray((StructType)type.ValueDataType, rows.Length, rows.Arrays, ArrowBuffer.Empty, 0);
        var offsets = new ArrowBuffer.Builder<int>(2).Append(0).Append(rows.Length).Build();
        return new ListArray(type, 1, offsets, items, ArrowBuffer.Empty, 0);
    }

    /// <summary>The state rows of <paramref name="side"/> in a batch of format 2, as a batch of <see cref="SideSchema"/>.</summary>
    /// <exception cref="InvalidDataException">The batch is not a join state batch of this join.</exception>
    public RecordBatch Side(RecordBatch stateRows, int side)
    {
        var expected = _sideSchemas[side].FieldsList;
        if (stateRows.ColumnCount != 2 || stateRows.Length != 1 || stateRows.Column(side) is not ListArray list
            || list.Values is not StructArray items || items.Fields.Count != expected.Count)
            throw new InvalidDataException(
                $"A join state batch of format 2 needs one row of two lists ('left', 'right') of {expected.Count} and {_sideSchemas[1 - side].FieldsList.Count} columns; this one has {stateRows.ColumnCount} columns and {stateRows.Length} rows.");
        var start = list.ValueOffsets[0];
        var length = list.ValueOffsets[1] - start;
        var columns = new IArrowArray[expected.Count];
        for (var c = 0; c < columns.Length; c++)
        {
            var column = items.Fields[c];
            columns[c] = start == 0 && length == column.Length ? column : ArrowArrayFactory.Slice(column, start, length);
        }
        return new RecordBatch(_sideSchemas[side], columns, length);
    }

    /// <summary>
    /// The rows of a state batch (either format) whose key group <paramref name="partition"/> of <paramref name="numPartitions"/>
    /// owns, routed by the join key as the exchange routes the join's input.
    /// </summary>
    public RecordBatch Owned(RecordBatch stateRows, int keyCount, int numKeyGroups, int numPartitions, int partition)
    {
        if (IsFormat1(stateRows))
            return KeyGroupPartitioner.Owned(stateRows, Enumerable.Range(Format1FixedColumns, keyCount).ToList(), numKeyGroups, numPartitions, partition);
        var sides = new RecordBatch[2];
        for (var side = 0; side < 2; side++)
        {
            var rows = Side(stateRows, side);
            if (rows.Length == 0)
            {
                sides[side] = rows;
                continue;
            }
            // The flattened key (a window key stands for its start and end) appended as the routing columns, as the exchange does.
            var keys = JoinKeys.Columns(OwnRows(rows, side), _keys[side]);
            var fields = rows.Schema.FieldsList.Concat(keys.Select((k, i) => new Field("__k" + i, k.Data.DataType, true)));
            var routed = new RecordBatch(new Schema(fields, null), rows.Arrays.Concat(keys), rows.Length);
            var owned = KeyGroupPartitioner.Owned(routed, Enumerable.Range(rows.ColumnCount, keys.Length).ToList(), numKeyGroups, numPartitions, partition);
            sides[side] = new RecordBatch(rows.Schema, owned.Arrays.Take(rows.ColumnCount), owned.Length);
        }
        return Build(sides[0], sides[1], stateRows.Schema.Metadata);
    }

    /// <summary>The side's own columns of its state rows <paramref name="sideRows"/> (of <see cref="SideSchema"/>).</summary>
    public RecordBatch OwnRows(RecordBatch sideRows, int side) => new(_own[side], sideRows.Arrays.Skip(FixedColumns), sideRows.Length);

    /// <summary>The index of <c>"__id"</c> in <see cref="SideSchema"/> (with <see cref="TracksMatches"/> only).</summary>
    public const int IdIndex = 1;

    /// <summary>The index of <c>"__matched"</c> in <see cref="SideSchema"/> (with <see cref="TracksMatches"/> only).</summary>
    public const int MatchedIndex = 2;
}
