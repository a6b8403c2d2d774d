using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.State;

namespace OrleansStream.Engine.Operators.Aggregation.Accumulators;

/// <summary><c>first</c> or <c>last</c> of a fixed-width or boolean column in arrival order, nulls included (Spark's default
/// <c>ignoreNulls = false</c>). Buffers: <c>first</c>/<c>last</c> of the input type and <c>valueSet</c> boolean, which tells a
/// taken null apart from "no row yet".</summary>
internal sealed class FirstLastAccumulator<T> : Accumulator where T : unmanaged
{
    private readonly bool _last;
    private readonly IArrowType _type;
    private readonly Field[] _fields;
    private T[] _values = [];
    private bool[] _set = [];
    private bool[] _notNull = [];
    private byte[]? _scratch;
    private byte[]? _flagScratch;

    public FirstLastAccumulator(int index, IArrowType type, bool last)
    {
        _last = last;
        _type = type;
        _fields = [Buffer(index, last ? "last" : "first", type), Buffer(index, "valueSet", BooleanType.Default, nullable: false)];
    }

    public override IReadOnlyList<Field> BufferFields => _fields;

    public override IArrowType ResultType => _type;

    public override long EstimatedBytes => _values.Length * (System.Runtime.CompilerServices.Unsafe.SizeOf<T>() + 2L);

    public override void Update(ReadOnlySpan<int> slots, IArrowArray? input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Take(slots, input, default);
    }

    public override void Merge(ReadOnlySpan<int> slots, RecordBatch partial, int firstColumn)
    {
        var values = PartialColumn(partial, firstColumn, 0);
        var set = Flags(PartialColumn(partial, firstColumn + 1, 1), ref _flagScratch);
        Take(slots, values, set);
    }

    public override void MergeSlot(int target, int source)
    {
        if (!_set[source] || (!_last && _set[target])) return;
        _values[target] = _values[source];
        _notNull[target] = _notNull[source];
        _set[target] = true;
    }

    public override void Reset(ReadOnlySpan<int> slots)
    {
        foreach (var s in slots)
        {
            _values[s] = default;
            _set[s] = false;
            _notNull[s] = false;
        }
    }

    public override void ResetAll()
    {
        System.Array.Clear(_values);
        System.Array.Clear(_set);
        System.Array.Clear(_notNull);
    }

    public override void WritePartial(ReadOnlySpan<int> slots, IArrowArray[] output, int firstColumn, BatchBuffers? buffers)
    {
        output[firstColumn] = Evaluate(slots, buffers);
        output[firstColumn + 1] = WriteFlags(slots, _set);
    }

    public override IArrowArray Evaluate(ReadOnlySpan<int> slots, BatchBuffers? buffers) => WriteFixed(_type, slots, _values, _notNull, buffers);

    protected override void Resize(int size)
    {
        SlotArrays.Resize(ref _values, size);
        SlotArrays.Resize(ref _set, size);
        SlotArrays.Resize(ref _notNull, size);
    }

    /// <summary>Takes row r into slots[r] (first: only while the slot has no row yet; last: always). When
    /// <paramref name="rowSet"/> is given, rows whose flag is 0 carry no value and are skipped.</summary>
    private void Take(ReadOnlySpan<int> slots, IArrowArray column, ReadOnlySpan<byte> rowSet)
    {
        var allNull = ArrowSpans.AllNull(column);
        var values = allNull ? default : ArrowSpans.FixedValues<T>(column, ref _scratch);
        var validity = ArrowSpans.Validity(column);
        var offset = column.Offset;
        var checkSet = !rowSet.IsEmpty;
        for (var r = 0; r < slots.Length; r++)
        {
            var s = slots[r];
            if (s < 0 || (checkSet && rowSet[r] == 0) || (!_last && _set[s])) continue;
            _set[s] = true;
            if (!allNull && ArrowSpans.IsValid(validity, offset, r))
            {
                _values[s] = values[r];
                _notNull[s] = true;
            }
            else
            {
                _notNull[s] = false;
            }
        }
    }
}
