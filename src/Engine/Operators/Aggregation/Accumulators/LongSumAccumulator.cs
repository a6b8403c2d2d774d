using System.Numerics;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.State;

namespace OrleansStream.Engine.Operators.Aggregation.Accumulators;

/// <summary><c>sum</c> of an integral column into a bigint that wraps on overflow (Spark's non-ANSI behaviour).
/// Buffer: <c>sum</c> bigint, null while no non-null value was seen.</summary>
internal sealed class LongSumAccumulator(int index) : Accumulator
{
    private readonly Field[] _fields = [Buffer(index, "sum", Int64Type.Default)];
    private long[] _sums = [];
    private bool[] _has = [];

    public override IReadOnlyList<Field> BufferFields => _fields;

    public override IArrowType ResultType => Int64Type.Default;

    public override long EstimatedBytes => _sums.Length * 9L;

    public override void Update(ReadOnlySpan<int> slots, IArrowArray? input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (ArrowSpans.AllNull(input)) return;
        switch (input.Data.DataType.TypeId)
        {
            case ArrowTypeId.Int8: Add(slots, ArrowSpans.Values<sbyte>(input), input); break;
            case ArrowTypeId.Int16: Add(slots, ArrowSpans.Values<short>(input), input); break;
            case ArrowTypeId.Int32: Add(slots, ArrowSpans.Values<int>(input), input); break;
            default: Add(slots, ArrowSpans.Values<long>(input), input); break;
        }
    }

    public override void Merge(ReadOnlySpan<int> slots, RecordBatch partial, int firstColumn)
    {
        var column = PartialColumn(partial, firstColumn, 0);
        if (!ArrowSpans.AllNull(column)) Add(slots, ArrowSpans.Values<long>(column), column);
    }

    public override void MergeSlot(int target, int source)
    {
        if (!_has[source]) return;
        unchecked { _sums[target] += _sums[source]; }
        _has[target] = true;
    }

    public override void Reset(ReadOnlySpan<int> slots)
    {
        foreach (var s in slots)
        {
            _sums[s] = 0;
            _has[s] = false;
        }
    }

    public override void ResetAll()
    {
        System.Array.Clear(_sums);
        System.Array.Clear(_has);
    }

    public override void WritePartial(ReadOnlySpan<int> slots, IArrowArray[] output, int firstColumn, BatchBuffers? buffers) =>
        output[firstColumn] = Evaluate(slots, buffers);

    public override IArrowArray Evaluate(ReadOnlySpan<int> slots, BatchBuffers? buffers) => WriteFixed(Int64Type.Default, slots, _sums, _has, buffers);

    protected override void Resize(int size)
    {
        SlotArrays.Resize(ref _sums, size);
        SlotArrays.Resize(ref _has, size);
    }

    private void Add<T>(ReadOnlySpan<int> slots, ReadOnlySpan<T> values, IArrowArray column) where T : unmanaged, IBinaryInteger<T>
    {
        var validity = ArrowSpans.Validity(column);
        var offset = column.Offset;
        var sums = _sums;
        var has = _has;
        for (var r = 0; r < slots.Length; r++)
        {
            var s = slots[r];
            if (s < 0 || !ArrowSpans.IsValid(validity, offset, r)) continue;
            unchecked { sums[s] += long.CreateTruncating(values[r]); }
            has[s] = true;
        }
    }
}
