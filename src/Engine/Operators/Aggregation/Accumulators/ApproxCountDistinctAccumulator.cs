using System.Numerics;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Expressions.Kernels;

namespace OrleansStream.Engine.Operators.Aggregation.Accumulators;

/// <summary><c>approx_count_distinct</c> with one <see cref="HyperLogLogPlusPlus"/> sketch per slot (allocated with the
/// slot's first non-null value, so per group, not per row), ignoring nulls. Buffer: <c>hll</c> binary, the serialized
/// sketch (null while empty).</summary>
internal sealed class ApproxCountDistinctAccumulator(int index) : Accumulator
{
    private readonly Field[] _fields = [Buffer(index, "hll", BinaryType.Default)];
    private HyperLogLogPlusPlus?[] _sketches = [];
    private ulong[] _hashes = [];
    private byte[]? _scratch;

    public override IReadOnlyList<Field> BufferFields => _fields;

    public override IArrowType ResultType => Int64Type.Default;

    public override long EstimatedBytes
    {
        get
        {
            var total = _sketches.Length * 8L;
            foreach (var s in _sketches) total += s?.EstimatedBytes ?? 0;
            return total;
        }
    }

    public override void Update(ReadOnlySpan<int> slots, IArrowArray? input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (ArrowSpans.AllNull(input)) return;
        var n = slots.Length;
        if (_hashes.Length < n) _hashes = new ulong[Math.Max(n, 64)];
        var hashes = _hashes.AsSpan(0, n);
        // Hash the whole column in one typed loop, then feed the sketches in one shared loop.
        switch (input.Data.DataType.TypeId)
        {
            case ArrowTypeId.Boolean: HashIntegers(ArrowSpans.BooleansAsBytes(input, ref _scratch), hashes); break;
            case ArrowTypeId.Int8: HashIntegers(ArrowSpans.Values<sbyte>(input), hashes); break;
            case ArrowTypeId.Int16: HashIntegers(ArrowSpans.Values<short>(input), hashes); break;
            case ArrowTypeId.Int32 or ArrowTypeId.Date32: HashIntegers(ArrowSpans.Values<int>(input), hashes); break;
            case ArrowTypeId.Int64 or ArrowTypeId.Timestamp: HashIntegers(ArrowSpans.Values<long>(input), hashes); break;
            case ArrowTypeId.Float:
            {
                var values = ArrowSpans.Values<float>(input);
                for (var r = 0; r < n; r++) hashes[r] = HyperLogLogPlusPlus.HashDouble(values[r]);
                break;
            }
            case ArrowTypeId.Double:
            {
                var values = ArrowSpans.Values<double>(input);
                for (var r = 0; r < n; r++) hashes[r] = HyperLogLogPlusPlus.HashDouble(values[r]);
                break;
            }
            case ArrowTypeId.Decimal128:
            {
                var values = ArrowSpans.Values<Int128>(input);
                for (var r = 0; r < n; r++) hashes[r] = HyperLogLogPlusPlus.HashDecimal(values[r]);
                break;
            }
            default:
            {
                var offsets = ArrowSpans.Offsets(input);
                var bytes = ArrowSpans.Bytes(input);
                for (var r = 0; r < n; r++) hashes[r] = HyperLogLogPlusPlus.HashBytes(bytes[offsets[r]..offsets[r + 1]]);
                break;
            }
        }
        var validity = ArrowSpans.Validity(input);
        var offset = input.Offset;
        for (var r = 0; r < n; r++)
        {
            var s = slots[r];
            if (s >= 0 && ArrowSpans.IsValid(validity, offset, r)) (_sketches[s] ??= new HyperLogLogPlusPlus()).AddHash(hashes[r]);
        }
    }

    public override void Merge(ReadOnlySpan<int> slots, RecordBatch partial, int firstColumn)
    {
        var column = PartialColumn(partial, firstColumn, 0);
        if (ArrowSpans.AllNull(column)) return;
        var offsets = ArrowSpans.Offsets(column);
        var bytes = ArrowSpans.Bytes(column);
        var validity = ArrowSpans.Validity(column);
        var offset = column.Offset;
        for (var r = 0; r < slots.Length; r++)
        {
            var s = slots[r];
            if (s >= 0 && ArrowSpans.IsValid(validity, offset, r))
                (_sketches[s] ??= new HyperLogLogPlusPlus()).Merge(bytes[offsets[r]..offsets[r + 1]]);
        }
    }

    public override void MergeSlot(int target, int source)
    {
        if (_sketches[source] is { } sketch) (_sketches[target] ??= new HyperLogLogPlusPlus()).Merge(sketch);
    }

    public override void Reset(ReadOnlySpan<int> slots)
    {
        foreach (var s in slots) _sketches[s] = null;
    }

    public override void ResetAll() => System.Array.Clear(_sketches);

    public override void WritePartial(ReadOnlySpan<int> slots, IArrowArray[] output, int firstColumn, BatchBuffers? buffers)
    {
        var total = 0L;
        foreach (var s in slots)
            if (s >= 0 && _sketches[s] is { } sketch) total += sketch.SerializedSize;
        var writer = new StringColumnWriter(slots.Length, (int)Math.Min(total, System.Array.MaxLength));
        foreach (var s in slots)
        {
            if (s < 0 || _sketches[s] is not { } sketch)
            {
                writer.AppendNull();
                continue;
            }
            var size = sketch.SerializedSize;
            writer.Commit(sketch.WriteTo(writer.Reserve(size)));
        }
        output[firstColumn] = writer.Build(BinaryType.Default);
    }

    public override IArrowArray Evaluate(ReadOnlySpan<int> slots, BatchBuffers? buffers)
    {
        var writer = new FixedColumnWriter<long>(slots.Length, buffers);
        var values = writer.Values;
        for (var i = 0; i < slots.Length; i++)
        {
            var s = slots[i];
            if (s < 0) writer.SetNull(i);
            else values[i] = _sketches[s]?.Estimate() ?? 0;
        }
        return writer.Build(Int64Type.Default);
    }

    protected override void Resize(int size) => System.Array.Resize(ref _sketches, size);

    private static void HashIntegers<T>(ReadOnlySpan<T> values, Span<ulong> hashes) where T : unmanaged, IBinaryInteger<T>
    {
        for (var r = 0; r < hashes.Length; r++) hashes[r] = HyperLogLogPlusPlus.HashInt64(long.CreateTruncating(values[r]));
    }
}
