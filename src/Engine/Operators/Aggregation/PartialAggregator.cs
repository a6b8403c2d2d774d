using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Engine.State;

namespace OrleansStream.Engine.Operators.Aggregation;

/// <summary>
/// Source-side partial aggregation: folds raw rows of any number of batches into one partial row per distinct key, so that
/// only partials travel to the state partitions. <see cref="Finish"/> returns the rows in the
/// <see cref="AggregationState.PartialSchema"/> layout, keys in first-seen order. An empty key schema is a global
/// aggregation (one group). Not thread-safe.
/// </summary>
/// <remarks>
/// Created with <see cref="PassUnreducedRows"/>, it stops folding when folding does not pay (Trino's adaptive partial
/// aggregation): once <see cref="JudgedAfterRows"/> rows of an epoch hold more than <see cref="UnreducedShare"/> distinct
/// keys (say a million keys, each seen about once per epoch), the rest of that epoch and the next
/// <see cref="PassingEpochs"/> epochs pass each row on as a partial row of its own, unhashed, and the state partition folds
/// them as it folds several producers' partials. Then an epoch folds again, to see whether its keys now repeat. Folding
/// found nothing to save there, and hashing every row into a table as large as the input cost as much as the state's own
/// merge. A key's rows keep their order (the folded rows come before the passed ones), so first and last are unchanged.
/// </remarks>
public sealed class PartialAggregator
{
    /// <summary>Rows folded in an epoch before it is judged.</summary>
    public const int JudgedAfterRows = 16_384;

    /// <summary>Distinct keys per row folded above which an epoch's rows pass unfolded.</summary>
    public const double UnreducedShare = 0.8;

    /// <summary>Epochs that pass their rows unfolded once an epoch was judged unreduced, before one folds again.</summary>
    public const int PassingEpochs = 8;

    private readonly KeyTable _keys;
    private readonly AggregateBuffers _buffers;
    private readonly AggregateBuffers? _rowBuffers;   // a partial row per input row, when passing rows unfolded
    private readonly int _judgedAfterRows;
    private readonly List<RecordBatch> _passed = [];
    private readonly DenseCountFold? _denseCounts;   // count aggregates by one bigint key: rows counted without the key table
    private bool _denseRefused;                      // the epoch's rows went to the key table: counted densely from the next
    private readonly bool _countsOnly;               // every aggregate is a count
    private IArrowArray? _ones;                      // a row's partial count, 1, for as many rows as the longest batch passed
    private int[] _slots = [];
    private bool[] _added = [];
    private int[] _identity = [];
    private long _rowsFolded;
    private bool _passing;
    private int _epochsPassed;

    /// <summary>Creates an empty aggregator.</summary>
    /// <exception cref="NotSupportedException">A key type or aggregate is not supported.</exception>
    /// <exception cref="AnalysisException">An aggregate's function or argument type is invalid.</exception>
    public PartialAggregator(Schema keySchema, IReadOnlyList<AggregateSpec> aggregates)
        : this(keySchema, aggregates, passUnreducedRows: false)
    {
    }

    /// <summary>Creates an empty aggregator that passes rows on unfolded while folding does not reduce them (see remarks)
    /// when <paramref name="passUnreducedRows"/> is set and every key column and aggregate allows it.</summary>
    /// <exception cref="NotSupportedException">A key type or aggregate is not supported.</exception>
    /// <exception cref="AnalysisException">An aggregate's function or argument type is invalid.</exception>
    public PartialAggregator(Schema keySchema, IReadOnlyList<AggregateSpec> aggregates, bool passUnreducedRows)
        : this(keySchema, aggregates, passUnreducedRows ? JudgedAfterRows : 0)
    {
    }

    // judgedAfterRows 0: always fold. Tests judge after fewer rows.
    internal PartialAggregator(Schema keySchema, IReadOnlyList<AggregateSpec> aggregates, int judgedAfterRows)
    {
        ArgumentNullException.ThrowIfNull(keySchema);
        // Emptied every epoch, and keyed on ids drawn from a few recent values (bidders, auctions): a dense range pays.
        _keys = new KeyTable(keySchema, denseRange: true);
        _buffers = new AggregateBuffers(aggregates);
        PartialSchema = AggregationState.PartialSchemaOf(keySchema, _buffers);
        if (judgedAfterRows > 0 && CanPass(keySchema, aggregates))
        {
            _rowBuffers = new AggregateBuffers(aggregates);
            _judgedAfterRows = judgedAfterRows;
        }
        _countsOnly = aggregates.Count > 0 && aggregates.All(a => a.Kind == AggregateKind.Count);
        if (keySchema.FieldsList is [{ DataType.TypeId: ArrowTypeId.Int64 }] && _countsOnly) _denseCounts = new DenseCountFold();
    }

    /// <summary>True when this aggregator passes unreduced rows on unfolded (see remarks).</summary>
    public bool PassUnreducedRows => _rowBuffers is not null;

    /// <summary>The layout of <see cref="Finish"/>'s batch (same as <see cref="AggregationState.PartialSchema"/>).</summary>
    public Schema PartialSchema { get; }

    /// <summary>Number of distinct keys folded since the last <see cref="Finish"/> (rows passed unfolded not counted).</summary>
    public int Count => _keys.Count + (_denseCounts?.Keys ?? 0);

    /// <summary>Estimated memory held, in bytes.</summary>
    public long EstimatedBytes => _keys.EstimatedBytes + _buffers.EstimatedBytes + _slots.Length * 5L + (_denseCounts?.EstimatedBytes ?? 0);

    /// <summary>Rows counted without the key table since this aggregator was created (see <see cref="DenseCountFold"/>).</summary>
    internal long RowsCountedDensely { get; private set; }

    /// <summary>Rows passed on unfolded whose partial counts were the shared column of ones (see <see cref="RowPartials"/>).</summary>
    internal long RowsPassedAsOnes { get; private set; }

    /// <summary>Adds the first <paramref name="length"/> rows: key <c>keyColumns[*][r]</c>, argument <c>inputs[i][r]</c> of aggregate i
    /// (null for count(*)). The partial buffers of rows passed on unfolded are rented from <paramref name="buffers"/> when there
    /// is one, which then must outlive the next <see cref="Finish"/>'s batch.</summary>
    public void Add(IReadOnlyList<IArrowArray> keyColumns, IReadOnlyList<IArrowArray?> inputs, int length, BatchBuffers? buffers = null)
    {
        ArgumentNullException.ThrowIfNull(keyColumns);
        if (_passing)
        {
            if (IsPassable(keyColumns, length))
            {
                _passed.Add(RowPartials(keyColumns, inputs, length, buffers));
                return;
            }
            // Columns the key table would convert: fold what passed first, so every key's rows stay in order.
            FoldPassed();
        }
        if (_rowBuffers is not null && !_passing && _rowsFolded < _judgedAfterRows && _rowsFolded + length > _judgedAfterRows)
        {
            // The epoch is judged after the rows the judgement needs, not after the whole batch: a batch as long as the epoch
            // (200,000 rows, a million keys) was folded whole, every row hashed into a table as large as the batch, before
            // its rows were found not to fold; its rest now passes unfolded. The head is folded first, so order is kept.
            var head = (int)(_judgedAfterRows - _rowsFolded);
            Add(Rows(keyColumns, 0, head)!, Rows(inputs, 0, head), head, buffers);
            Add(Rows(keyColumns, head, length - head)!, Rows(inputs, head, length - head), length - head, buffers);
            return;
        }
        var counted = CountDensely(keyColumns, inputs, length);
        if (counted == 0) _buffers.Update(Locate(keyColumns, length), inputs);
        else if (counted < length)
            _buffers.Update(Locate(Rows(keyColumns, counted, length - counted)!, length - counted), Rows(inputs, counted, length - counted));
        _rowsFolded += length;
        if (_rowBuffers is not null && !_passing && _rowsFolded >= _judgedAfterRows && Count > UnreducedShare * _rowsFolded)
        {
            _passing = true;
            _epochsPassed = 0;
        }
    }

    // Counts the leading rows whose keys lie in the dense range (see DenseCountFold) and returns how many; 0 when the rows
    // cannot be counted so (a null key, a count(col) input with nulls, the epoch already in the key table). A key outside
    // the range moves the counted keys into the key table, where the epoch's other rows then go, so no key is in both.
    private int CountDensely(IReadOnlyList<IArrowArray> keyColumns, IReadOnlyList<IArrowArray?> inputs, int length)
    {
        var dense = _denseCounts;
        if (dense is null || _denseRefused || length == 0) return 0;
        var column = keyColumns.Count == 1 ? keyColumns[0] : null;
        if (column is null || column.NullCount != 0 || column.Data.DataType.TypeId != ArrowTypeId.Int64 || column.Length < length
            || !CountsEveryRow(inputs) || dense.Rows + length > int.MaxValue)
        {
            SpillDense();
            return 0;
        }
        var values = ArrowSpans.Values<long>(column)[..length];
        // Laid out only while the key table is empty, so that no key of the range is in both.
        if (!dense.IsActive && (_keys.Count != 0 || !dense.TryLayOut(values)))
        {
            _denseRefused = true;
            return 0;
        }
        var counted = dense.Count(values);
        RowsCountedDensely += counted;
        if (counted < length) SpillDense();
        return counted;
    }

    // Every input counts every row: count(*)'s absent input, or a column without nulls (a null-typed column counts none).
    private static bool CountsEveryRow(IReadOnlyList<IArrowArray?> inputs)
    {
        foreach (var input in inputs)
            if (input is not null && (input.NullCount != 0 || input.Data.DataType.TypeId == ArrowTypeId.Null)) return false;
        return true;
    }

    // The densely counted keys join the key table (laid out as Finish's batch), and the epoch's rows go there from now on.
    private void SpillDense()
    {
        _denseRefused = true;
        if (_denseCounts is not { IsActive: true }) return;
        var partial = DenseBatch(null);
        _buffers.Merge(LocateKeys([partial.Column(0)], partial.Length), partial, 1);
    }

    // The densely counted keys in first-seen order and their counts, in the PartialSchema layout (each count's buffer is the
    // key's row count); forgets them.
    private RecordBatch DenseBatch(BatchBuffers? owner)
    {
        var dense = _denseCounts!;
        var n = dense.Keys;
        var keys = ArrayFactory.NewValues<long>(n, owner);
        var counts = ArrayFactory.NewValues<long>(n, owner);
        dense.Drain(MemoryMarshal.Cast<byte, long>(keys.Span), MemoryMarshal.Cast<byte, long>(counts.Span));
        var fields = PartialSchema.FieldsList;
        var columns = new IArrowArray[fields.Count];
        columns[0] = ArrayFactory.Primitive(fields[0].DataType, keys, null, n);
        var countColumn = ArrayFactory.Primitive(fields[1].DataType, counts, null, n);
        for (var c = 1; c < columns.Length; c++) columns[c] = countColumn;
        return new RecordBatch(PartialSchema, columns, n);
    }

    // Rows [offset, offset + length) of each column (an absent input, count(*)'s, stays absent).
    private static IArrowArray?[] Rows(IReadOnlyList<IArrowArray?> columns, int offset, int length)
    {
        var rows = new IArrowArray?[columns.Count];
        for (var c = 0; c < rows.Length; c++) rows[c] = columns[c] is { } column ? ArrowArrayFactory.Slice(column, offset, length) : null;
        return rows;
    }

    // Each row's own partial buffers (count 1 or 0, sum = the value, ...): the rows' slots are 0..length-1 of buffers
    // cleared after each batch.
    private RecordBatch RowPartials(IReadOnlyList<IArrowArray> keyColumns, IReadOnlyList<IArrowArray?> inputs, int length, BatchBuffers? owner)
    {
        if (_countsOnly && CountsEveryRow(inputs))
        {
            // Every row's partial count is 1 (count-1m's rows, a key each): one column of ones kept for every batch, instead
            // of counting each row into buffers, writing them out and clearing them again.
            var ones = Ones(length);
            RowsPassedAsOnes += length;
            return new RecordBatch(PartialSchema, [.. keyColumns, .. Enumerable.Repeat(ones, _buffers.Fields.Count)], length);
        }
        var slots = Identity(length);
        _rowBuffers!.EnsureCapacity(length);
        _rowBuffers.Update(slots, inputs);
        var buffers = _rowBuffers.WritePartial(slots, owner);
        _rowBuffers.Clear();
        return new RecordBatch(PartialSchema, [.. keyColumns, .. buffers], length);
    }

    // length ones (bigint), a slice of a column kept across calls: immutable, and owned by no batch, so no owner returns it.
    private IArrowArray Ones(int length)
    {
        if (_ones is null || _ones.Length < length)
        {
            var n = Math.Max(length, (_ones?.Length ?? 0) * 2);
            var bytes = ArrayFactory.NewValues<long>(n);
            MemoryMarshal.Cast<byte, long>(bytes.AsSpan()).Fill(1);
            _ones = ArrayFactory.Primitive(Int64Type.Default, bytes, null, n);
        }
        return _ones.Length == length ? _ones : ArrowArrayFactory.Slice(_ones, 0, length);
    }

    // 0, 1, ..., length - 1, from an array kept across calls.
    private ReadOnlySpan<int> Identity(int length)
    {
        if (_identity.Length < length)
        {
            _identity = new int[Math.Max(length, _identity.Length * 2)];
            for (var i = 0; i < _identity.Length; i++) _identity[i] = i;
        }
        return _identity.AsSpan(0, length);
    }

    private void FoldPassed()
    {
        _passing = false;
        var keyCount = PartialSchema.FieldsList.Count - _buffers.Fields.Count;
        foreach (var batch in _passed) Merge(batch.Arrays.Take(keyCount).ToList(), batch);
        _passed.Clear();
    }

    // Key columns passed as they are must be what the key table would give back: the key field's type exactly, as many
    // rows as the batch.
    private bool IsPassable(IReadOnlyList<IArrowArray> keyColumns, int length)
    {
        var fields = PartialSchema.FieldsList;
        if (keyColumns.Count != fields.Count - _buffers.Fields.Count) return false;
        for (var c = 0; c < keyColumns.Count; c++)
        {
            var actual = keyColumns[c].Data.DataType;
            var expected = fields[c].DataType;
            if (keyColumns[c].Length != length || actual.TypeId != expected.TypeId) return false;
            if (actual is TimestampType a && (expected is not TimestampType e || a.Unit != e.Unit || a.Timezone != e.Timezone)) return false;
        }
        return true;
    }

    // Keys of types without parameters (a timestamp's are checked per batch), and aggregates whose per-row partial is no
    // larger than the row (not approx_count_distinct's sketch).
    private static bool CanPass(Schema keySchema, IReadOnlyList<AggregateSpec> aggregates)
    {
        foreach (var field in keySchema.FieldsList)
            if (field.DataType.TypeId is not (ArrowTypeId.Boolean or ArrowTypeId.Int8 or ArrowTypeId.Int16 or ArrowTypeId.Int32 or ArrowTypeId.Int64
                or ArrowTypeId.Float or ArrowTypeId.Double or ArrowTypeId.Date32 or ArrowTypeId.Timestamp or ArrowTypeId.String or ArrowTypeId.Binary))
                return false;
        return keySchema.FieldsList.Count > 0 && aggregates.All(a => a.Kind != AggregateKind.ApproxCountDistinct);
    }

    /// <summary>Merges partial rows (laid out as <see cref="PartialSchema"/>, or another aggregator's <see cref="Finish"/>) under
    /// the keys <paramref name="keyColumns"/>, which may differ from the batch's own key columns: row r's buffers go to key
    /// <c>keyColumns[*][r]</c>, in row order.</summary>
    public void Merge(IReadOnlyList<IArrowArray> keyColumns, RecordBatch partial)
    {
        ArgumentNullException.ThrowIfNull(partial);
        var slots = Locate(keyColumns, partial.Length);
        _buffers.Merge(slots, partial, keyColumns.Count);
    }

    private Span<int> Locate(IReadOnlyList<IArrowArray> keyColumns, int length)
    {
        SpillDense();
        return LocateKeys(keyColumns, length);
    }

    private Span<int> LocateKeys(IReadOnlyList<IArrowArray> keyColumns, int length)
    {
        if (_slots.Length < length)
        {
            _slots = new int[Math.Max(length, _slots.Length * 2)];
            _added = new bool[_slots.Length];
        }
        var slots = _slots.AsSpan(0, length);
        // No grouping columns: every row is the one group's (found once rather than a key encoded per row).
        if (keyColumns.Count == 0 && length > 0 && _keys.KeySchema.FieldsList.Count == 0)
        {
            _keys.GetOrAdd(keyColumns, 1, slots, _added);
            slots.Fill(slots[0]);
        }
        else _keys.GetOrAdd(keyColumns, length, slots, _added.AsSpan(0, length));
        _buffers.EnsureCapacity(_keys.SlotBound);
        return slots;
    }

    /// <summary>One partial row per distinct key, in first-seen order (no rows when nothing was added, also for a global
    /// aggregation), then a row per row passed unfolded, in row order; then starts over empty. Its fixed-width columns are
    /// rented from <paramref name="owner"/> when there is one (the batch is not made its owner's: the caller releases the owner
    /// once nothing reads the batch).</summary>
    public RecordBatch Finish(BatchBuffers? owner = null)
    {
        RecordBatch batch;
        // Rows counted densely are all the folded rows: any that went to the key table took the counted keys there first.
        if (_denseCounts is { IsActive: true }) batch = DenseBatch(owner);
        else
        {
            // Nothing is ever removed, so slots were handed out densely in first-seen order.
            var slots = Identity(_keys.Count);
            var keys = _keys.LiveKeyColumns(slots, owner);
            var buffers = _buffers.WritePartial(slots, owner);
            batch = new RecordBatch(PartialSchema, [.. keys, .. buffers], slots.Length);
            _keys.Clear();
            _buffers.Clear();
        }
        var n = batch.Length;
        _denseRefused = false;
        _rowsFolded = 0;
        if (_passing && ++_epochsPassed > PassingEpochs) _passing = false;
        if (_passed.Count == 0) return batch;
        if (n > 0) _passed.Insert(0, batch);
        var result = _passed.Count == 1 ? _passed[0] : ConcatKernel.Concat(PartialSchema, _passed, owner);
        _passed.Clear();
        return result;
    }
}
