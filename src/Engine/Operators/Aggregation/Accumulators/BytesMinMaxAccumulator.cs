using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.State;

namespace OrleansStream.Engine.Operators.Aggregation.Accumulators;

/// <summary><c>min</c> or <c>max</c> of a string or binary column by unsigned byte order (Spark's UTF-8 string order), ignoring
/// nulls. Buffer: <c>min</c> or <c>max</c> of the input type.</summary>
internal sealed class BytesMinMaxAccumulator : Accumulator
{
    private readonly bool _max;
    private readonly IArrowType _type;
    private readonly Field[] _fields;
    private readonly BytesSlotStore _store = new();
    private bool[] _has = [];

    public BytesMinMaxAccumulator(int index, IArrowType type, bool max)
    {
        _max = max;
        _type = type;
        _fields = [Buffer(index, max ? "max" : "min", type)];
    }

    public override IReadOnlyList<Field> BufferFields => _fields;

    public override IArrowType ResultType => _type;

    public override long EstimatedBytes => _store.EstimatedBytes + _has.Length;

    public override void Update(ReadOnlySpan<int> slots, IArrowArray? input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Accumulate(slots, input);
    }

    public override void Merge(ReadOnlySpan<int> slots, RecordBatch partial, int firstColumn) =>
        Accumulate(slots, PartialColumn(partial, firstColumn, 0));

    public override void MergeSlot(int target, int source)
    {
        if (_has[source]) Offer(target, _store.Get(source));
    }

    public override void Reset(ReadOnlySpan<int> slots)
    {
        foreach (var s in slots)
        {
            _store.Clear(s);
            _has[s] = false;
        }
    }

    public override void ResetAll()
    {
        _store.ClearAll();
        System.Array.Clear(_has);
    }

    public override void WritePartial(ReadOnlySpan<int> slots, IArrowArray[] output, int firstColumn, BatchBuffers? buffers) =>
        output[firstColumn] = Evaluate(slots, null);

    public override IArrowArray Evaluate(ReadOnlySpan<int> slots, BatchBuffers? buffers) => _store.Write(_type, slots, _has);

    protected override void Resize(int size)
    {
        _store.Resize(size);
        SlotArrays.Resize(ref _has, size);
    }

    private void Accumulate(ReadOnlySpan<int> slots, IArrowArray column)
    {
        if (ArrowSpans.AllNull(column)) return;
        var offsets = ArrowSpans.Offsets(column);
        var bytes = ArrowSpans.Bytes(column);
        var validity = ArrowSpans.Validity(column);
        var offset = column.Offset;
        for (var r = 0; r < slots.Length; r++)
        {
            var s = slots[r];
            if (s >= 0 && ArrowSpans.IsValid(validity, offset, r)) Offer(s, bytes[offsets[r]..offsets[r + 1]]);
        }
    }

    private void Offer(int slot, ReadOnlySpan<byte> value)
    {
        if (!_has[slot])
        {
            _store.Set(slot, value);
            _has[slot] = true;
            return;
        }
        var cmp = value.SequenceCompareTo(_store.Get(slot));
        if (_max ? cmp > 0 : cmp < 0) _store.Set(slot, value);
    }
}
