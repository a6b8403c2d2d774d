using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
            // Every row in one group (no grouping keys, as q7's max per window a run at a time): the best value is found
            // first and offered once, as offering each row would end.
            Offer(slots[0], Best(values[..slots.Length]));
            return;
        }
        var offset = column.Offset;
        for (var r = 0; r < slots.Length; r++)
        {
            var s = slots[r];
            if (s >= 0 && ArrowSpans.IsValid(validity, offset, r)) Offer(s, values[r]);
        }
    }

    // The greatest (max) or least (min) of the values, the first of equal ones. Integers go a vector at a time: equal
    // integers are the same value, so which of them is kept makes no difference (q7's max of a 65,536-row batch compared a
    // row at a time cost as much as its watermark's pass over the times and the window runs' together).
    private T Best(ReadOnlySpan<T> values)
    {
        if (IsIntegerOrder && Vector512.IsHardwareAccelerated && values.Length >= 2 * Vector512<T>.Count) return BestInLanes(values);
        var best = values[0];
        for (var r = 1; r < values.Length; r++)
            if (_max ? TOrder.Less(best, values[r]) : TOrder.Less(values[r], best)) best = values[r];
        return best;
    }

    // NumberOrder of a primitive integer type that vectors hold (not Int128, whose decimals go a value at a time).
    private static bool IsIntegerOrder =>
        typeof(TOrder) == typeof(NumberOrder<long>) || typeof(TOrder) == typeof(NumberOrder<int>) || typeof(TOrder) == typeof(NumberOrder<short>)
        || typeof(TOrder) == typeof(NumberOrder<sbyte>) || typeof(TOrder) == typeof(NumberOrder<byte>);

    private T BestInLanes(ReadOnlySpan<T> values)
    {
        ref var start = ref MemoryMarshal.GetReference(values);
        var lanes = Vector512<T>.Count;
        var best = Vector512.LoadUnsafe(ref start);
        var r = lanes;
        for (; r <= values.Length - lanes; r += lanes)
        {
            var v = Vector512.LoadUnsafe(ref start, (nuint)r);
            best = _max ? Vector512.Max(best, v) : Vector512.Min(best, v);
        }
        // The last, partial vector overlaps the previous one: a value counted twice does not change a max or min.
        if (r < values.Length)
        {
            var v = Vector512.LoadUnsafe(ref start, (nuint)(values.Length - lanes));
            best = _max ? Vector512.Max(best, v) : Vector512.Min(best, v);
        }
        var result = best[0];
        for (var lane = 1; lane < lanes; lane++)
            if (_max ? TOrder.Less(result, best[lane]) : TOrder.Less(best[lane], result)) result = best[lane];
        return result;
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
