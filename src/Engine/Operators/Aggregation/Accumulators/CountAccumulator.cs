using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.State;

namespace OrleansStream.Engine.Operators.Aggregation.Accumulators;

/// <summary><c>count(*)</c> (no input column) and <c>count(col)</c> (non-null values). Buffer: <c>count</c> bigint.</summary>
internal sealed class CountAccumulator(int index) : Accumulator
{
    private readonly Field[] _fields = [Buffer(index, "count", Int64Type.Default, nullable: false)];
    private long[] _counts = [];
    private long[] _lane = [];   // CountInLanes' second lane, all zero between calls

    public override IReadOnlyList<Field> BufferFields => _fields;

    public override IArrowType ResultType => Int64Type.Default;

    public override long EstimatedBytes => _counts.Length * 8L;

    public override void Update(ReadOnlySpan<int> slots, IArrowArray? input)
    {
        var counts = _counts;
        if (input is null || input.NullCount == 0 && input.Data.DataType.TypeId != ArrowTypeId.Null)
        {
            if ((long)counts.Length * LaneRowsPerSlot <= slots.Length)
            {
                CountInLanes(slots);
                return;
            }
            if (Prefetches(counts))
            {
                CountPrefetching(slots);
                return;
            }
            foreach (var s in slots)
                if (s >= 0) counts[s]++;
            return;
        }
        if (ArrowSpans.AllNull(input)) return;
        var validity = ArrowSpans.Validity(input);
        var offset = input.Offset;
        for (var r = 0; r < slots.Length; r++)
        {
            var s = slots[r];
            if (s >= 0 && ArrowSpans.IsValid(validity, offset, r)) counts[s]++;
        }
    }

    // Rows per slot of the accumulator's capacity from which a batch is counted in two lanes: adding the second lane in reads
    // every slot's, a quarter of a read per row at most.
    private const int LaneRowsPerSlot = 4;

    // A key repeated row after row (q12's hot bidders: three rows in four) makes each row's increment wait for the one before
    // it, through memory. Alternate rows count in a second array: two chains, each half as long, run side by side, and the
    // second is added in once the batch is counted. Only while the slots are few against the rows (a partial aggregation's).
    private void CountInLanes(ReadOnlySpan<int> slots)
    {
        var counts = _counts;
        if (_lane.Length < counts.Length) _lane = new long[counts.Length];
        var lane = _lane;
        var r = 0;
        for (; r + 1 < slots.Length; r += 2)
        {
            var a = slots[r];
            var b = slots[r + 1];
            if (a >= 0) counts[a]++;
            if (b >= 0) lane[b]++;
        }
        if (r < slots.Length && slots[r] >= 0) counts[slots[r]]++;
        for (var s = 0; s < counts.Length; s++)
        {
            counts[s] += lane[s];
            lane[s] = 0;
        }
    }

    public override void Merge(ReadOnlySpan<int> slots, RecordBatch partial, int firstColumn)
    {
        var column = PartialColumn(partial, firstColumn, 0);
        if (ArrowSpans.AllNull(column)) return;
        var values = ArrowSpans.Values<long>(column);
        var validity = ArrowSpans.Validity(column);
        var offset = column.Offset;
        var counts = _counts;
        if (validity.IsEmpty && Prefetches(counts))
        {
            MergePrefetching(slots, values);
            return;
        }
        for (var r = 0; r < slots.Length; r++)
        {
            var s = slots[r];
            if (s >= 0 && ArrowSpans.IsValid(validity, offset, r)) counts[s] += values[r];
        }
    }

    // Counts of more slots than the cache holds (a million keys in a state partition, each row a key of its own) miss it on
    // nearly every row, and the loop's adds wait on the misses one after another: the counts of the slots PrefetchDistance
    // rows ahead are asked for first, so that several misses are under way at once.
    private const int PrefetchDistance = 16;
    private const int PrefetchSlots = 1 << 16;

    private static bool Prefetches(long[] counts) => Sse.IsSupported && counts.Length >= PrefetchSlots;

    private void CountPrefetching(ReadOnlySpan<int> slots)
    {
        var counts = _counts;
        for (var r = 0; r < slots.Length; r++)
        {
            if (r + PrefetchDistance < slots.Length) Prefetch(counts, slots[r + PrefetchDistance]);
            var s = slots[r];
            if (s >= 0) counts[s]++;
        }
    }

    private void MergePrefetching(ReadOnlySpan<int> slots, ReadOnlySpan<long> values)
    {
        var counts = _counts;
        for (var r = 0; r < slots.Length; r++)
        {
            if (r + PrefetchDistance < slots.Length) Prefetch(counts, slots[r + PrefetchDistance]);
            var s = slots[r];
            if (s >= 0) counts[s] += values[r];
        }
    }

    // A hint only: a negative slot (no slot) prefetches nothing.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Prefetch(long[] counts, int slot)
    {
        if ((uint)slot < (uint)counts.Length) Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(counts), slot)));
    }

    public override void MergeSlot(int target, int source) => _counts[target] += _counts[source];

    public override void Reset(ReadOnlySpan<int> slots)
    {
        foreach (var s in slots) _counts[s] = 0;
    }

    public override void ResetAll() => System.Array.Clear(_counts);

    public override void WritePartial(ReadOnlySpan<int> slots, IArrowArray[] output, int firstColumn, BatchBuffers? buffers) =>
        output[firstColumn] = Evaluate(slots, buffers);

    public override IArrowArray Evaluate(ReadOnlySpan<int> slots, BatchBuffers? buffers) => WriteFixed(Int64Type.Default, slots, _counts, null, buffers);

    protected override void Resize(int size) => SlotArrays.Resize(ref _counts, size);
}
