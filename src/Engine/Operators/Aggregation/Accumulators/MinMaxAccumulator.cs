using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.State;

namespace OrleansStream.Engine.Operators.Aggregation.Accumulators;

/// <summary><c>min</c> or <c>max</c> of a fixed-width or boolean column, ignoring nulls; ties keep the value already held.
/// Buffer: <c>min</c> or <c>max</c> of the input type (null while empty).</summary>
internal sealed class MinMaxAccumulator<T, TOrder> : Accumulator
    where T : unmanaged
    where TOrder : struct, IValueOrder<T>
{
    private readonly bool _max;
    private readonly IArrowType _type;
    private readonly Field[] _fields;
    private T[] _values = [];
    private bool[] _has = [];
    private byte[]? _scratch;

    public MinMaxAccumulator(int index, IArrowType type, bool max)
    {
        _max = max;
        _type = type;
        _fields = [Buffer(index, max ? "max" : "min", type)];
    }

    public override IReadOnlyList<Field> BufferFields => _fields;

    public override IArrowType ResultType => _type;

    public override long EstimatedBytes => _values.Length * (System.Runtime.CompilerServices.Unsafe.SizeOf<T>() + 1L);

    public override void Update(ReadOnlySpan<int> slots, IArrowArray? input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Accumulate(slots, input);
    }

    public override void Merge(ReadOnlySpan<int> slots, RecordBatch partial, int firstColumn) =>
        Accumulate(slots, PartialColumn(partial, firstColumn, 0));

    public override void MergeSlot(int target, int source)
    {
        if (_has[source]) Offer(target, _values[source]);
    }

    public override void Reset(ReadOnlySpan<int> slots)
    {
        foreach (var s in slots)
        {
            _values[s] = default;
            _has[s] = false;
        }
    }

    public override void ResetAll()
    {
        System.Array.Clear(_values);
        System.Array.Clear(_has);
    }

    public override void WritePartial(ReadOnlySpan<int> slots, IArrowArray[] output, int firstColumn, BatchBuffers? buffers) =>
        output[firstColumn] = Evaluate(slots, buffers);

    public override IArrowArray Evaluate(ReadOnlySpan<int> slots, BatchBuffers? buffers) => WriteFixed(_type, slots, _values, _has, buffers);

    protected override void Resize(int size)
    {
        SlotArrays.Resize(ref _values, size);
        SlotArrays.Resize(ref _has, size);
    }

    private void Accumulate(ReadOnlySpan<int> slots, IArrowArray column)
    {
        if (ArrowSpans.AllNull(column)) return;
        var values = ArrowSpans.FixedValues<T>(column, ref _scratch);
        var validity = ArrowSpans.Validity(column);
        if (slots.Length > 1 && validity.IsEmpty && slots[0] >= 0 && slots.IndexOfAnyExcept(slots[0]) < 0)
        {
            // Every row in one group (no grouping keys, as q7's max per window a run at a time): the best value is kept in a
            // register and offered once, the same comparisons in the same order as offering each row.
            var best = values[0];
            for (var r = 1; r < slots.Length; r++)
                if (_max ? TOrder.Less(best, values[r]) : TOrder.Less(values[r], best)) best = values[r];
            Offer(slots[0], best);
            return;
        }
        var offset = column.Offset;
        for (var r = 0; r < slots.Length; r++)
        {
            var s = slots[r];
            if (s >= 0 && ArrowSpans.IsValid(validity, offset, r)) Offer(s, values[r]);
        }
    }

    private void Offer(int slot, T value)
    {
        if (!_has[slot])
        {
            _values[slot] = value;
            _has[slot] = true;
        }
        else if (_max ? TOrder.Less(_values[slot], value) : TOrder.Less(value, _values[slot]))
        {
            _values[slot] = value;
        }
    }
}
