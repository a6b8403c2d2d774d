using System.Numerics;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Engine.State;

namespace OrleansStream.Engine.Operators.Aggregation.Accumulators;

/// <summary>
/// <c>sum</c> of a float, double or string column, or <c>avg</c> of any non-decimal number or string column, in double
/// arithmetic (strings are cast to double first, invalid text counting as null, as Spark's implicit cast does).
/// Buffers: sum → <c>sum</c> double (null while empty); avg → <c>sum</c> double and <c>count</c> bigint.
/// </summary>
internal sealed class DoubleSumAccumulator : Accumulator
{
    private readonly bool _average;
    private readonly Field[] _fields;
    private double[] _sums = [];
    private long[] _counts = [];  // non-null values seen; for sum only "> 0" matters
    private bool[] _has = [];

    public DoubleSumAccumulator(int index, bool average)
    {
        _average = average;
        _fields = average
            ? [Buffer(index, "sum", DoubleType.Default), Buffer(index, "count", Int64Type.Default, nullable: false)]
            : [Buffer(index, "sum", DoubleType.Default)];
    }

    public override IReadOnlyList<Field> BufferFields => _fields;

    public override IArrowType ResultType => DoubleType.Default;

    public override long EstimatedBytes => _sums.Length * 17L;

    public override void Update(ReadOnlySpan<int> slots, IArrowArray? input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (ArrowSpans.AllNull(input)) return;
        switch (input.Data.DataType.TypeId)
        {
            case ArrowTypeId.Int8: Add(slots, ArrowSpans.Values<sbyte>(input), input); break;
            case ArrowTypeId.Int16: Add(slots, ArrowSpans.Values<short>(input), input); break;
            case ArrowTypeId.Int32: Add(slots, ArrowSpans.Values<int>(input), input); break;
            case ArrowTypeId.Int64: Add(slots, ArrowSpans.Values<long>(input), input); break;
            case ArrowTypeId.Float: Add(slots, ArrowSpans.Values<float>(input), input); break;
            case ArrowTypeId.Double: Add(slots, ArrowSpans.Values<double>(input), input); break;
            default:
            {
                var cast = CastKernels.Cast(input, DoubleType.Default);
                if (!ArrowSpans.AllNull(cast)) Add(slots, ArrowSpans.Values<double>(cast), cast);
                break;
            }
        }
    }

    public override void Merge(ReadOnlySpan<int> slots, RecordBatch partial, int firstColumn)
    {
        var sumColumn = PartialColumn(partial, firstColumn, 0);
        if (!_average)
        {
            if (!ArrowSpans.AllNull(sumColumn)) Add(slots, ArrowSpans.Values<double>(sumColumn), sumColumn);
            return;
        }
        var countColumn = PartialColumn(partial, firstColumn + 1, 1);
        if (ArrowSpans.AllNull(countColumn) || ArrowSpans.AllNull(sumColumn)) return;
        var sums = ArrowSpans.Values<double>(sumColumn);
        var counts = ArrowSpans.Values<long>(countColumn);
        var sumValidity = ArrowSpans.Validity(sumColumn);
        var countValidity = ArrowSpans.Validity(countColumn);
        for (var r = 0; r < slots.Length; r++)
        {
            var s = slots[r];
            if (s < 0 || !ArrowSpans.IsValid(countValidity, countColumn.Offset, r) || counts[r] == 0) continue;
            if (ArrowSpans.IsValid(sumValidity, sumColumn.Offset, r)) _sums[s] += sums[r];
            _counts[s] += counts[r];
            _has[s] = true;
        }
    }

    public override void MergeSlot(int target, int source)
    {
        if (!_has[source]) return;
        _sums[target] += _sums[source];
        _counts[target] += _counts[source];
        _has[target] = true;
    }

    public override void Reset(ReadOnlySpan<int> slots)
    {
        foreach (var s in slots)
        {
            _sums[s] = 0;
            _counts[s] = 0;
            _has[s] = false;
        }
    }

    public override void ResetAll()
    {
        System.Array.Clear(_sums);
        System.Array.Clear(_counts);
        System.Array.Clear(_has);
    }

    public override void WritePartial(ReadOnlySpan<int> slots, IArrowArray[] output, int firstColumn, BatchBuffers? buffers)
    {
        if (!_average)
        {
            output[firstColumn] = WriteFixed(DoubleType.Default, slots, _sums, _has, buffers);
            return;
        }
        output[firstColumn] = WriteFixed(DoubleType.Default, slots, _sums, null, buffers);
        output[firstColumn + 1] = WriteFixed(Int64Type.Default, slots, _counts, null, buffers);
    }

    public override IArrowArray Evaluate(ReadOnlySpan<int> slots, BatchBuffers? buffers)
    {
        if (!_average) return WriteFixed(DoubleType.Default, slots, _sums, _has, buffers);
        var writer = new FixedColumnWriter<double>(slots.Length, buffers);
        var output = writer.Values;
        for (var i = 0; i < slots.Length; i++)
        {
            var s = slots[i];
            if (s < 0 || !_has[s]) writer.SetNull(i);
            else output[i] = _sums[s] / _counts[s];
        }
        return writer.Build(DoubleType.Default);
    }

    protected override void Resize(int size)
    {
        SlotArrays.Resize(ref _sums, size);
        SlotArrays.Resize(ref _counts, size);
        SlotArrays.Resize(ref _has, size);
    }

    private void Add<T>(ReadOnlySpan<int> slots, ReadOnlySpan<T> values, IArrowArray column) where T : unmanaged, INumberBase<T>
    {
        var validity = ArrowSpans.Validity(column);
        var offset = column.Offset;
        var sums = _sums;
        var counts = _counts;
        var has = _has;
        for (var r = 0; r < slots.Length; r++)
        {
            var s = slots[r];
            if (s < 0 || !ArrowSpans.IsValid(validity, offset, r)) continue;
            sums[s] += double.CreateTruncating(values[r]);
            counts[s]++;
            has[s] = true;
        }
    }
}
