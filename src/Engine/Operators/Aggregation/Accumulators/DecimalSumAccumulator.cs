using System.Numerics;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.State;

namespace OrleansStream.Engine.Operators.Aggregation.Accumulators;

/// <summary>
/// <c>sum</c> or <c>avg</c> of a decimal(p,s) column, exactly, on the unscaled 128-bit integers (the sum keeps scale s, so no
/// rescaling per row). Spark's non-ANSI overflow rule applies: once the running sum leaves decimal(min(38,p+10),s) the
/// result is null. Buffers: sum → <c>sum</c> decimal(min(38,p+10),s) and <c>isEmpty</c> boolean (Spark's layout: a null
/// sum with isEmpty = false means overflow); avg → <c>sum</c> (null = overflow) and <c>count</c> bigint.
/// </summary>
internal sealed class DecimalSumAccumulator : Accumulator
{
    private readonly bool _average;
    private readonly Field[] _fields;
    private readonly Decimal128Type _sumType;
    private readonly Decimal128Type _resultType;
    private readonly Int128 _sumBound;
    private readonly int _scaleUp;
    private Int128[] _sums = [];
    private long[] _counts = [];
    private bool[] _overflow = [];
    private byte[]? _scratch;

    public DecimalSumAccumulator(int index, Decimal128Type input, bool average)
    {
        _average = average;
        _sumType = new Decimal128Type(Math.Min(38, input.Precision + 10), input.Scale);
        _resultType = average ? new Decimal128Type(Math.Min(38, input.Precision + 4), Math.Min(38, input.Scale + 4)) : _sumType;
        _sumBound = Pow10(_sumType.Precision);
        _scaleUp = _resultType.Scale - input.Scale;
        _fields = average
            ? [Buffer(index, "sum", _sumType), Buffer(index, "count", Int64Type.Default, nullable: false)]
            : [Buffer(index, "sum", _sumType), Buffer(index, "isEmpty", BooleanType.Default, nullable: false)];
    }

    public override IReadOnlyList<Field> BufferFields => _fields;

    public override IArrowType ResultType => _resultType;

    public override long EstimatedBytes => _sums.Length * 25L;

    public override void Update(ReadOnlySpan<int> slots, IArrowArray? input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (ArrowSpans.AllNull(input)) return;
        var values = ArrowSpans.Values<Int128>(input);
        var validity = ArrowSpans.Validity(input);
        var offset = input.Offset;
        for (var r = 0; r < slots.Length; r++)
        {
            var s = slots[r];
            if (s < 0 || !ArrowSpans.IsValid(validity, offset, r)) continue;
            _counts[s]++;
            Add(s, values[r]);
        }
    }

    public override void Merge(ReadOnlySpan<int> slots, RecordBatch partial, int firstColumn)
    {
        var sumColumn = PartialColumn(partial, firstColumn, 0);
        var secondColumn = PartialColumn(partial, firstColumn + 1, 1);
        var sumsNull = ArrowSpans.AllNull(sumColumn);
        var sums = sumsNull ? default : ArrowSpans.Values<Int128>(sumColumn);
        var sumValidity = ArrowSpans.Validity(sumColumn);
        if (_average)
        {
            if (ArrowSpans.AllNull(secondColumn)) return;
            var counts = ArrowSpans.Values<long>(secondColumn);
            var countValidity = ArrowSpans.Validity(secondColumn);
            for (var r = 0; r < slots.Length; r++)
            {
                var s = slots[r];
                if (s < 0 || !ArrowSpans.IsValid(countValidity, secondColumn.Offset, r) || counts[r] == 0) continue;
                _counts[s] += counts[r];
                if (sumsNull || !ArrowSpans.IsValid(sumValidity, sumColumn.Offset, r)) _overflow[s] = true;
                else Add(s, sums[r]);
            }
            return;
        }
        var isEmpty = Flags(secondColumn, ref _scratch);
        for (var r = 0; r < slots.Length; r++)
        {
            var s = slots[r];
            if (s < 0 || isEmpty[r] != 0) continue;
            _counts[s]++;
            if (sumsNull || !ArrowSpans.IsValid(sumValidity, sumColumn.Offset, r)) _overflow[s] = true;
            else Add(s, sums[r]);
        }
    }

    public override void MergeSlot(int target, int source)
    {
        if (_counts[source] == 0) return;
        _counts[target] += _counts[source];
        if (_overflow[source]) _overflow[target] = true;
        else Add(target, _sums[source]);
    }

    public override void Reset(ReadOnlySpan<int> slots)
    {
        foreach (var s in slots)
        {
            _sums[s] = 0;
            _counts[s] = 0;
            _overflow[s] = false;
        }
    }

    public override void ResetAll()
    {
        System.Array.Clear(_sums);
        System.Array.Clear(_counts);
        System.Array.Clear(_overflow);
    }

    public override void WritePartial(ReadOnlySpan<int> slots, IArrowArray[] output, int firstColumn, BatchBuffers? buffers)
    {
        var sums = new FixedColumnWriter<Int128>(slots.Length);
        var values = sums.Values;
        for (var i = 0; i < slots.Length; i++)
        {
            var s = slots[i];
            // avg keeps a non-null zero sum while empty (its count says so); sum writes null while empty, as Spark does.
            if (s < 0 || _overflow[s] || (!_average && _counts[s] == 0)) sums.SetNull(i);
            else values[i] = _sums[s];
        }
        output[firstColumn] = sums.Build(_sumType);
        if (_average)
        {
            output[firstColumn + 1] = WriteFixed(Int64Type.Default, slots, _counts, null);
            return;
        }
        var empty = new FixedColumnWriter<byte>(slots.Length);
        var flags = empty.Values;
        for (var i = 0; i < slots.Length; i++)
        {
            var s = slots[i];
            if (s < 0) empty.SetNull(i);
            else flags[i] = _counts[s] == 0 ? (byte)1 : (byte)0;
        }
        output[firstColumn + 1] = empty.Build(BooleanType.Default);
    }

    public override IArrowArray Evaluate(ReadOnlySpan<int> slots, BatchBuffers? buffers)
    {
        var writer = new FixedColumnWriter<Int128>(slots.Length, buffers);
        var values = writer.Values;
        var resultBound = Pow10(_resultType.Precision);
        for (var i = 0; i < slots.Length; i++)
        {
            var s = slots[i];
            if (s < 0 || _counts[s] == 0 || _overflow[s])
            {
                writer.SetNull(i);
                continue;
            }
            if (!_average)
            {
                values[i] = _sums[s];
                continue;
            }
            if (TryAverage(_sums[s], _counts[s], resultBound, out var mean)) values[i] = mean;
            else writer.SetNull(i);
        }
        return writer.Build(_resultType);
    }

    protected override void Resize(int size)
    {
        SlotArrays.Resize(ref _sums, size);
        SlotArrays.Resize(ref _counts, size);
        SlotArrays.Resize(ref _overflow, size);
    }

    private void Add(int slot, Int128 value)
    {
        if (_overflow[slot]) return;
        var a = _sums[slot];
        var sum = a + value;
        // Sticky overflow: 128-bit wrap-around (signs of both operands differ from the result) or leaving the sum's precision.
        if (((a ^ sum) & (value ^ sum)) < 0 || sum >= _sumBound || sum <= -_sumBound) _overflow[slot] = true;
        else _sums[slot] = sum;
    }

    /// <summary>sum / count at the result scale, rounded half-up (away from zero) as Spark's decimal average is; false when
    /// the mean does not fit the result precision.</summary>
    private bool TryAverage(Int128 sum, long count, Int128 bound, out Int128 mean)
    {
        // Fits in 128 bits unless the sum is within 10^4 of the maximum; only that rare case pays for BigInteger.
        var factor = Pow10(_scaleUp);
        if (Int128.Abs(sum) <= Int128.MaxValue / factor)
        {
            var n = sum * factor;
            var (q, r) = Int128.DivRem(n, count);
            if (Int128.Abs(r) * 2 >= count) q += Int128.Sign(n);
            mean = q;
        }
        else
        {
            var big = (BigInteger)sum * (BigInteger)factor;
            var q = BigInteger.DivRem(big, count, out var r);
            if (BigInteger.Abs(r) * 2 >= count) q += big.Sign;
            if (BigInteger.Abs(q) >= (BigInteger)bound)
            {
                mean = 0;
                return false;
            }
            mean = (Int128)q;
        }
        return mean < bound && mean > -bound;
    }

    private static Int128 Pow10(int exponent)
    {
        Int128 r = 1;
        for (var i = 0; i < exponent; i++) r *= 10;
        return r;
    }
}
