using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Operators.Aggregation;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.State;

/// <summary>
/// The keyed state of a streaming aggregation in one state partition: a <see cref="KeyTable"/> of group keys, the
/// <see cref="AggregateBuffers"/> of every group, and tracking of what changed since the last checkpoint
/// (<see cref="Delta"/> / <see cref="MarkClean"/>). Not thread-safe.
/// </summary>
public sealed class AggregationState
{
    private readonly KeyTable _keys;
    private readonly AggregateBuffers _buffers;
    private readonly ChangeTracker _changes;
    private readonly KeyEncoder _applyEncoder;
    private readonly int _keyCount;
    private readonly List<int> _snapshotSlots = [];   // reused, as _deltaSlots
    private readonly List<int> _deltaSlots = [];   // reused: a delta of a large state lists hundreds of thousands
    private ulong[] _touched = [];   // a bit per slot already in the caller's touched list (a word per 64 slots stays cached)
    private bool _touchedNotDirty;   // _touched has bits not yet recorded as changes (see RecordTouched)
    // A lower bound on the live groups' values in key column _floorColumn, the column the latest SlotsWithKeyAtMost scanned
    // (nulls aside; long.MinValue when unknown): a scan below it has nothing to find and reads no key. A processing-time
    // window closes once in many epochs, and the scan read every group in each. _floorAfterRemoval is the floor once
    // RemoveAtOrBelow has removed what the latest scan (at _scannedAtMost) found: the least value above it.
    private int _floorColumn = -1;
    private long _floor = long.MinValue, _floorAfterRemoval = long.MinValue, _scannedAtMost;

    /// <summary>Creates an empty state.</summary>
    /// <exception cref="NotSupportedException">A key type or aggregate is not supported.</exception>
    /// <exception cref="AnalysisException">An aggregate's function or argument type is invalid.</exception>
    public AggregationState(Schema keySchema, IReadOnlyList<AggregateSpec> aggregates)
    {
        ArgumentNullException.ThrowIfNull(keySchema);
        ArgumentNullException.ThrowIfNull(aggregates);
        _keys = new KeyTable(keySchema);
        _buffers = new AggregateBuffers(aggregates);
        _changes = new ChangeTracker(keySchema);
        _applyEncoder = new KeyEncoder(keySchema);
        _keyCount = keySchema.FieldsList.Count;
        KeySchema = keySchema;
        PartialSchema = PartialSchemaOf(keySchema, _buffers);
        ResultSchema = new Schema([.. keySchema.FieldsList, .. _buffers.ResultFields], null);
        DeltaSchema = StateBatches.Schema(keySchema, _buffers.Fields);
    }

    /// <summary>The grouping key schema.</summary>
    public Schema KeySchema { get; }

    /// <summary>Key columns, then the partial-buffer columns of every aggregate (<see cref="AggregateBuffers.Fields"/>:
    /// "_agg0_sum", "_agg0_count", ...). The layout of <see cref="PartialAggregator.Finish"/> and <see cref="Merge"/>.</summary>
    public Schema PartialSchema { get; }

    /// <summary>Key columns, then one final value column per aggregate, named "_agg0".."_aggN" (the planner renames them).</summary>
    public Schema ResultSchema { get; }

    /// <summary>The schema of <see cref="Delta"/> and <see cref="Snapshot"/>: "__deleted" boolean, then <see cref="PartialSchema"/>
    /// with every buffer column nullable (a removed key's buffers are null).</summary>
    public Schema DeltaSchema { get; }

    /// <summary>Number of groups held.</summary>
    public int Count => _keys.Count;

    /// <summary>The group keys (slot ids index <see cref="Buffers"/>).</summary>
    public KeyTable Keys => _keys;

    /// <summary>The aggregate buffers, indexed by slot (e.g. <see cref="AggregateBuffers.MergeSlot"/> for session windows).</summary>
    public AggregateBuffers Buffers => _buffers;

    /// <summary>Estimated memory held, in bytes.</summary>
    public long EstimatedBytes => _keys.EstimatedBytes + _buffers.EstimatedBytes + _changes.EstimatedBytes
        + _touched.Length * 8L + _deltaSlots.Capacity * 4L + _applyEncoder.RowCount * 8L;

    /// <summary>The partial schema of an aggregation: <paramref name="keySchema"/>'s fields, then the buffer fields.</summary>
    public static Schema PartialSchemaOf(Schema keySchema, AggregateBuffers buffers)
    {
        ArgumentNullException.ThrowIfNull(keySchema);
        ArgumentNullException.ThrowIfNull(buffers);
        return new Schema([.. keySchema.FieldsList, .. buffers.Fields], null);
    }

    /// <summary>Merges partial rows (<see cref="PartialSchema"/>) into the state, in row order. Appends each slot touched to
    /// <paramref name="touchedSlots"/> once, in first-touched order: start with an empty list, and later calls into the same
    /// list (several producers' partials of one epoch) do not append a slot it already holds.</summary>
    /// <exception cref="ArgumentException">The batch does not have the partial schema's layout.</exception>
    public void Merge(RecordBatch partial, List<int> touchedSlots)
    {
        ArgumentNullException.ThrowIfNull(partial);
        ArgumentNullException.ThrowIfNull(touchedSlots);
        if (partial.ColumnCount != PartialSchema.FieldsList.Count)
            throw new ArgumentException(
                $"A partial batch needs {PartialSchema.FieldsList.Count} columns ({DataTypes.ToDdl(PartialSchema)}) but this one has {partial.ColumnCount}.",
                nameof(partial));
        var slots = Locate(KeyColumnsOf(partial), partial.Length);
        _buffers.Merge(slots, partial, _keyCount);
        Touch(slots, touchedSlots);
    }

    /// <summary>Aggregates raw rows straight into the state (no partial step): row r has key <c>keyColumns[*][r]</c> and
    /// argument <c>inputs[i][r]</c> for aggregate i (null for count(*)). Appends touched slots as <see cref="Merge"/> does.</summary>
    public void Update(IReadOnlyList<IArrowArray> keyColumns, IReadOnlyList<IArrowArray?> inputs, int length, List<int> touchedSlots)
    {
        ArgumentNullException.ThrowIfNull(touchedSlots);
        var slots = Locate(keyColumns, length);
        _buffers.Update(slots, inputs);
        Touch(slots, touchedSlots);
    }

    /// <summary>For a state without key columns (an aggregation without grouping): adds the one group, the empty key, if
    /// absent (its buffers empty: count 0, sum null, as an aggregate over no rows), and appends it to
    /// <paramref name="touchedSlots"/> as <see cref="Merge"/> does, so it is updated even in an epoch without input.</summary>
    /// <exception cref="InvalidOperationException">The state has key columns.</exception>
    public void TouchEmptyKey(List<int> touchedSlots)
    {
        ArgumentNullException.ThrowIfNull(touchedSlots);
        if (_keyCount != 0) throw new InvalidOperationException($"The state has {_keyCount} key columns: it has no empty key.");
        Touch(Locate([], 1), touchedSlots);
    }

    /// <summary>Appends every live slot, in slot id order.</summary>
    public void LiveSlots(List<int> slots) => _keys.LiveSlots(slots);

    /// <summary>Appends the live slots whose key column <paramref name="keyColumn"/> (a timestamp in microseconds or a bigint)
    /// is at most <paramref name="thresholdMicros"/>, in slot id order; null keys never match. For watermark eviction.</summary>
    public void SlotsWithKeyAtMost(int keyColumn, long thresholdMicros, List<int> slots)
    {
        ArgumentNullException.ThrowIfNull(slots);
        if ((uint)keyColumn >= (uint)_keyCount) throw new ArgumentOutOfRangeException(nameof(keyColumn));
        var type = KeySchema.FieldsList[keyColumn].DataType;
        if (type.TypeId is not (ArrowTypeId.Timestamp or ArrowTypeId.Int64))
            throw new ArgumentException($"Key column {keyColumn} is {DataTypes.ToDdl(type)}, not a timestamp or bigint.", nameof(keyColumn));
        if (keyColumn == _floorColumn && thresholdMicros < _floor) return;
        var before = slots.Count;
        _keys.SlotsWithInt64AtMost(keyColumn, thresholdMicros, slots, out var leastAbove);
        _floorColumn = keyColumn;
        _floor = slots.Count == before ? leastAbove : long.MinValue;
        (_scannedAtMost, _floorAfterRemoval) = (thresholdMicros, leastAbove);
    }

    /// <summary>Read only: the slot of each of the first <paramref name="length"/> keys of <paramref name="keyColumns"/> (columns of
    /// <see cref="KeySchema"/>), or -1 where the state holds no such group; returns how many were found. For live lookups.</summary>
    public int Find(IReadOnlyList<IArrowArray> keyColumns, int length, Span<int> slots) => _keys.TryGet(keyColumns, length, slots);

    /// <summary>Read only: appends at most <paramref name="limit"/> live slots, in slot id order. For bounded scans.</summary>
    public void FirstLiveSlots(int limit, List<int> slots) => _keys.FirstLiveSlots(limit, slots);

    /// <summary>Result rows (<see cref="ResultSchema"/>) for <paramref name="slots"/>, in that order; fixed-width columns rented
    /// from <paramref name="buffers"/>, the owner of the batch they go into, when there is one.</summary>
    public RecordBatch Results(ReadOnlySpan<int> slots, BatchBuffers? buffers = null)
    {
        foreach (var s in slots)
            if (!_keys.IsLive(s)) throw new ArgumentOutOfRangeException(nameof(slots), s, "The slot holds no group.");
        return LiveResults(slots, buffers);
    }

    /// <summary><see cref="Results"/> of slots the caller has just listed as live (this epoch's touched or final groups, or
    /// every live one), unchecked: an Update epoch of a million-key state answers ~200,000 groups, and checking each slot's
    /// live bit again was a pass of its own (count-1m: 2% of its CPU).</summary>
    internal RecordBatch LiveResults(ReadOnlySpan<int> slots, BatchBuffers? buffers = null)
    {
        var keys = _keys.LiveKeyColumns(slots, buffers);
        var values = _buffers.Evaluate(slots, buffers);
        return new RecordBatch(ResultSchema, [.. keys, .. values], slots.Length);
    }

    /// <summary>The partial rows (<see cref="PartialSchema"/>) of <paramref name="slots"/>, in that order.</summary>
    public RecordBatch Partials(ReadOnlySpan<int> slots)
    {
        var keys = _keys.KeyColumns(slots);
        var values = _buffers.WritePartial(slots);
        return new RecordBatch(PartialSchema, [.. keys, .. values], slots.Length);
    }

    /// <summary>Removes the groups of <paramref name="slots"/>, each listed once (recorded as deletions for the next
    /// <see cref="Delta"/>); their slot ids may then be reused by new groups.</summary>
    public void Remove(ReadOnlySpan<int> slots)
    {
        foreach (var s in slots)
            if (!_keys.IsLive(s)) throw new ArgumentOutOfRangeException(nameof(slots), s, "The slot holds no group.");
        _buffers.Reset(slots);
        foreach (var s in slots) _changes.OnRemoved(_keys.KeyBytes(s));
        _keys.Remove(slots);
    }

    /// <summary>
    /// Removes the groups of <paramref name="slots"/>, which must be exactly those <see cref="SlotsWithKeyAtMost"/> lists for
    /// <paramref name="keyColumn"/> and <paramref name="thresholdMicros"/> (watermark eviction). The next <see cref="Delta"/>
    /// records the range instead of a row per removed group.
    /// </summary>
    public void RemoveAtOrBelow(int keyColumn, long thresholdMicros, ReadOnlySpan<int> slots)
    {
        if (_changes.RangeRemoval is { } range && range.Column != keyColumn)
        {
            // Another column's range is recorded already: a tombstone per group (rare; checked first, as Remove does not).
            foreach (var s in slots)
                if (!_keys.IsLive(s) || !_keys.TryReadInt64(s, keyColumn, out var v) || v > thresholdMicros)
                    throw new ArgumentOutOfRangeException(nameof(slots), s, $"The slot holds no group whose key column {keyColumn} is at or below {thresholdMicros}.");
            Remove(slots);
        }
        else
        {
            // The key table checks each slot as it takes its key out (refusing the list with nothing removed): a second pass
            // over the evicted slots, a watermark's third of the state or more, only to check them cost as much again.
            _keys.RemoveAtOrBelow(keyColumn, thresholdMicros, slots);
            _changes.OnRangeRemoved(keyColumn, thresholdMicros);
            _buffers.Reset(slots);
        }
        if (keyColumn == _floorColumn && thresholdMicros == _scannedAtMost) _floor = _floorAfterRemoval;
    }

    /// <summary>A row per group changed or removed since the last <see cref="MarkClean"/> (<see cref="DeltaSchema"/>): removed
    /// groups first (deleted = true, buffers null), then changed groups in slot order.</summary>
    /// <remarks>With <paramref name="buffers"/> (the owner of the batch made) its live keys kept by value and its fixed-width
    /// buffers are rented there.</remarks>
    public RecordBatch Delta(BatchBuffers? buffers = null)
    {
        RecordTouched();
        var removed = _changes.RemovedCount;
        var removedKeys = removed > 0 ? _changes.RemovedKeys() : null;
        // Removed rows come first, as slot -1 (null buffers).
        CollectionsMarshal.SetCount(_deltaSlots, removed);
        CollectionsMarshal.AsSpan(_deltaSlots).Fill(-1);
        _changes.ChangedLiveSlots(_keys, _deltaSlots);
        var slots = CollectionsMarshal.AsSpan(_deltaSlots);
        var liveKeys = _keys.LiveKeyColumns(slots[removed..], buffers);
        var schema = StateBatches.WithRangeRemoval(DeltaSchema, _changes.RangeRemoval);
        return StateBatches.Build(schema, removed, removedKeys, slots.Length - removed, liveKeys, _buffers.WritePartial(slots, buffers));
    }

    /// <summary>Every live group (<see cref="DeltaSchema"/>, deleted = false), in slot id order.</summary>
    public RecordBatch Snapshot(BatchBuffers? buffers = null)
    {
        // The live slots in a list kept for the next snapshot (hundreds of thousands of them in a large state).
        _snapshotSlots.Clear();
        _snapshotSlots.EnsureCapacity(_keys.Count);
        _keys.LiveSlots(_snapshotSlots);
        var span = CollectionsMarshal.AsSpan(_snapshotSlots);
        return StateBatches.Build(DeltaSchema, 0, null, span.Length, _keys.LiveKeyColumns(span, buffers), _buffers.WritePartial(span, buffers));
    }

    /// <summary>Forgets the changes recorded so far (call once a <see cref="Delta"/> is durably saved).</summary>
    public void MarkClean()
    {
        _touchedNotDirty = false;   // touched before the delta that was saved: saved with it
        _changes.Clear();
    }

    /// <summary>
    /// Loads a <see cref="Delta"/> or <see cref="Snapshot"/>: deleted rows remove their group, other rows REPLACE their group's
    /// buffers (adding the group if needed). Rows whose key group (of <paramref name="numKeyGroups"/>) fails
    /// <paramref name="keepKeyGroup"/> are skipped, which is how a partition picks its key groups when rescaling. Loaded
    /// groups are not marked changed. Apply a snapshot and then each later delta in order to restore a state.
    /// </summary>
    public void Apply(RecordBatch deltaOrSnapshot, Func<int, bool>? keepKeyGroup = null, int numKeyGroups = KeyGroups.DefaultNumKeyGroups)
    {
        StateBatches.Check(DeltaSchema, deltaOrSnapshot);
        var n = deltaOrSnapshot.Length;
        var slots = new int[n];
        var removed = new List<int>();
        // The range first: the delta's rows are the groups written after it.
        if (StateBatches.RangeRemovalOf(deltaOrSnapshot.Schema) is { } range)
        {
            SlotsWithKeyAtMost(range.Column, range.AtOrBelow, removed);
            foreach (var s in removed) _keys.Remove(s);
        }
        StateBatches.ResolveApply(_keys, _applyEncoder, deltaOrSnapshot, _keyCount, keepKeyGroup, numKeyGroups, slots, removed);
        _buffers.EnsureCapacity(_keys.SlotBound);
        _buffers.Reset(CollectionsMarshal.AsSpan(removed));
        _buffers.Replace(slots, deltaOrSnapshot, 1 + _keyCount);
        _floorColumn = -1;   // the groups added here were not looked at: the next scan reads every group
    }

    private IArrowArray[] KeyColumnsOf(RecordBatch batch)
    {
        var columns = new IArrowArray[_keyCount];
        for (var c = 0; c < columns.Length; c++) columns[c] = batch.Column(c);
        return columns;
    }

    /// <summary>Finds or adds each row's group and sizes the buffers; returns the rows' slots (a reused scratch span).</summary>
    private Span<int> Locate(IReadOnlyList<IArrowArray> keyColumns, int length)
    {
        var slots = _keys.GetOrAdd(keyColumns, length, out var added);
        _buffers.EnsureCapacity(_keys.SlotBound);
        if (_floorColumn >= 0) LowerFloor(keyColumns[_floorColumn], added);
        if (_changes.RemovedCount > 0)
            for (var r = 0; r < length; r++)
                if (added[r]) _changes.OnAdded(_keys.KeyBytes(slots[r]));
        return slots;
    }

    // Groups added below the eviction floor lower it (a late group's window, or one of a window not yet closed).
    private void LowerFloor(IArrowArray column, ReadOnlySpan<bool> added)
    {
        if (column is not (Int64Array or TimestampArray))
        {
            _floorColumn = -1;
            return;
        }
        var values = ArrowSpans.Values<long>(column);
        var validity = ArrowSpans.Validity(column);
        for (var r = 0; r < added.Length; r++)
        {
            if (!added[r] || !(validity.IsEmpty || BitUtility.GetBit(validity, column.Offset + r))) continue;
            _floor = Math.Min(_floor, values[r]);
            _floorAfterRemoval = Math.Min(_floorAfterRemoval, values[r]);
        }
    }

    /// <summary>Puts <paramref name="touchedSlots"/>, the list the latest <see cref="Merge"/> or <see cref="Update"/> calls filled,
    /// in slot order: gathering the keys and buffers of a million-key state for <see cref="Results"/> then walks its arrays
    /// forward instead of missing the cache on every slot.</summary>
    public void OrderBySlot(List<int> touchedSlots)
    {
        ArgumentNullException.ThrowIfNull(touchedSlots);
        var count = touchedSlots.Count;
        touchedSlots.Clear();
        if (count == 0) return;
        for (var w = 0; w < _touched.Length; w++) SlotBits.AddSetBits(touchedSlots, w, _touched[w]);
        if (touchedSlots.Count != count)
            throw new InvalidOperationException($"The list holds {count} slots, but {touchedSlots.Count} were touched since it started: it is not the latest list.");
    }

    // A slot whose bit is set is in the caller's list already; an empty list starts over.
    private void Touch(ReadOnlySpan<int> slots, List<int> touchedSlots)
    {
        var words = (_keys.SlotBound + 63) >> 6;
        if (_touched.Length < words)
        {
            SlotArrays.Resize(ref _touched, Math.Max(words, _touched.Length * 2));
            _changes.Reserve(_touched.Length);
        }
        if (touchedSlots.Count == 0)
        {
            RecordTouched();
            System.Array.Clear(_touched);
        }
        _touchedNotDirty = true;
        foreach (var s in slots)
        {
            ref var word = ref _touched[s >> 6];
            var bit = 1UL << s;
            if ((word & bit) != 0) continue;
            word |= bit;
            touchedSlots.Add(s);
        }
    }

    // The touched slots are changes: recorded a word of 64 slots at a time when the touched bits are about to be cleared or
    // a delta is taken, instead of a dirty bit set per slot as it was touched (count-1m: 200,000 an epoch, 2% of its CPU).
    // A slot touched and then removed is dropped from the delta by its live bit, as before.
    private void RecordTouched()
    {
        if (!_touchedNotDirty) return;
        _changes.MarkDirty(_touched);
        _touchedNotDirty = false;
    }
}
