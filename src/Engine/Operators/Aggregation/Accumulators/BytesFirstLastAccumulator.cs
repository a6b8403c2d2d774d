using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.State;

namespace OrleansStream.Engine.Operators.Aggregation.Accumulators;

/// <summary><c>first</c> or <c>last</c> of a string or binary column in arrival order, nulls included. Buffers:
/// <c>first</c>/<c>last</c> of the input type and <c>valueSet</c> boolean.</summary>
internal sealed class BytesFirstLastAccumulator : Accumulator
{
    private readonly bool _last;
    private readonly IArrowType _type;
    private readonly Field[] _fields;
    private readonly BytesSlotStore _store = new();
    private bool[] _set = [];
    private bool[] _notNull = [];
    private byte[]? _flagScratch;

    public BytesFirstLastAccumulator(int index, IArrowType type, bool last)
    {
        _last = last;
        _type = type;
        _fields = [Buffer(index, last ? "last" : "first", type), Buffer(index, "valueSet", BooleanType.Default, nullable: false)];
    }

    public override IReadOnlyList<Field> BufferFields => _fields;

    public override IArrowType ResultType => _type;

    public override long EstimatedBytes => _store.EstimatedBytes + _set.Length * 2L;

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
        if (_notNull[source]) _store.Copy(target, source);
        _notNull[target] = _notNull[source];
        _set[target] = true;
    }

    public override void Reset(ReadOnlySpan<int> slots)
    {
        foreach (var s in slots)
        {
            _store.Clear(s);
            _set[s] = false;
            _notNull[s] = false;
        }
    }

    public override void ResetAll()
    {
        _store.ClearAll();
        System.Array.Clear(_set);
        System.Array.Clear(_notNull);
    }

    public override void WritePartial(ReadOnlySpan<int> slots, IArrowArray[] output, int firstColumn, BatchBuffers? buffers)
    {
        output[firstColumn] = Evaluate(slots, null);
        output[firstColumn + 1] = WriteFlags(slots, _set);
    }

    public override IArrowArray Evaluate(ReadOnlySpan<int> slots, BatchBuffers? buffers) => _store.Write(_type, slots, _notNull);

    protected override void Resize(int size)
    {
        _store.Resize(size);
        SlotArrays.Resize(ref _set, size);
        SlotArrays.Resize(ref _notNull, size);
    }

    private void Take(ReadOnlySpan<int> slots, IArrowArray column, ReadOnlySpan<byte> rowSet)
    {
        var allNull = ArrowSpans.AllNull(column);
        var offsets = allNull ? default : ArrowSpans.Offsets(column);
        var bytes = allNull ? default : ArrowSpans.Bytes(column);
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
                _store.Set(s, bytes[offsets[r]..offsets[r + 1]]);
                _notNull[s] = true;
            }
            else
            {
                _notNull[s] = false;
            }
        }
    }
}
