using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Operators.Aggregation.Accumulators;

/// <summary>
/// The per-slot state of one aggregate, stored column-wise in typed arrays indexed by slot. Every operation takes a whole
/// batch (or span of slots), so dispatch costs one virtual call per aggregate per batch, never one per row.
/// A negative slot means "no slot": Update and Merge skip that row, WritePartial and Evaluate write null for it.
/// A new slot (array growth zero-fills) is in the initial, empty state; Reset returns slots to it.
/// </summary>
internal abstract class Accumulator
{
    /// <summary>The partial-buffer columns this aggregate writes and merges, named <c>_agg{i}_{buffer}</c>.</summary>
    public abstract IReadOnlyList<Field> BufferFields { get; }

    /// <summary>The type of the final value.</summary>
    public abstract IArrowType ResultType { get; }

    /// <summary>Number of slots the arrays hold.</summary>
    public int Capacity { get; private set; }

    /// <summary>Grows the arrays to hold at least <paramref name="capacity"/> slots.</summary>
    public void EnsureCapacity(int capacity)
    {
        if (capacity <= Capacity) return;
        var size = (int)Math.Min(System.Array.MaxLength, Math.Max(capacity, Math.Max(16L, Capacity * 2L)));
        Resize(size);
        Capacity = size;
    }

    /// <summary>Adds raw input rows: row r goes to <c>slots[r]</c>. <paramref name="input"/> is the argument column (null for count(*)).</summary>
    public abstract void Update(ReadOnlySpan<int> slots, IArrowArray? input);

    /// <summary>Merges partial rows: row r's buffers (columns starting at <paramref name="firstColumn"/>) go into <c>slots[r]</c>;
    /// rows are taken to have arrived after what the slot already holds.</summary>
    public abstract void Merge(ReadOnlySpan<int> slots, RecordBatch partial, int firstColumn);

    /// <summary>Merges slot <paramref name="source"/> into <paramref name="target"/> (source's rows arrived after target's).</summary>
    public abstract void MergeSlot(int target, int source);

    /// <summary>Returns the slots to the empty state.</summary>
    public abstract void Reset(ReadOnlySpan<int> slots);

    /// <summary>Returns every slot to the empty state.</summary>
    public abstract void ResetAll();

    /// <summary>Writes the buffers of <paramref name="slots"/> into <c>output[firstColumn..]</c>, one column per buffer field;
    /// fixed-width ones rented from <paramref name="buffers"/>, the owner of the batch they go into, when there is one.</summary>
    public abstract void WritePartial(ReadOnlySpan<int> slots, IArrowArray[] output, int firstColumn, BatchBuffers? buffers);

    /// <summary>The final values of <paramref name="slots"/>; fixed-width ones rented from <paramref name="buffers"/>, the owner
    /// of the batch they go into, when there is one.</summary>
    public abstract IArrowArray Evaluate(ReadOnlySpan<int> slots, BatchBuffers? buffers);

    /// <summary>Estimated memory held, in bytes.</summary>
    public abstract long EstimatedBytes { get; }

    /// <summary>Resizes every per-slot array to <paramref name="size"/> (new entries zero = empty).</summary>
    protected abstract void Resize(int size);

    protected static Field Buffer(int index, string name, IArrowType type, bool nullable = true) => new($"_agg{index}_{name}", type, nullable);

    /// <summary>A fixed-width (or boolean, stored as bytes) column of <c>values[slot]</c>, null where <paramref name="valid"/> is false
    /// (null = all valid) or the slot is negative.</summary>
    /// <remarks>With <paramref name="buffers"/> (the owner of the batch the column goes into) the values are rented there.</remarks>
    protected static IArrowArray WriteFixed<T>(IArrowType type, ReadOnlySpan<int> slots, T[] values, bool[]? valid, BatchBuffers? buffers = null) where T : unmanaged
    {
        var writer = new FixedColumnWriter<T>(slots.Length, buffers);
        var output = writer.Values;
        for (var i = 0; i < slots.Length; i++)
        {
            var s = slots[i];
            if (s < 0 || (valid is not null && !valid[s])) writer.SetNull(i);
            else output[i] = values[s];
        }
        return writer.Build(type);
    }

    /// <summary>A non-null boolean column of <c>flags[slot]</c> (negative slots become null).</summary>
    protected static IArrowArray WriteFlags(ReadOnlySpan<int> slots, bool[] flags, bool negate = false)
    {
        var writer = new FixedColumnWriter<byte>(slots.Length);
        var output = writer.Values;
        for (var i = 0; i < slots.Length; i++)
        {
            var s = slots[i];
            if (s < 0) writer.SetNull(i);
            else output[i] = flags[s] != negate ? (byte)1 : (byte)0;
        }
        return writer.Build(BooleanType.Default);
    }

    /// <summary>The partial column <paramref name="column"/>, checked against the field this aggregate expects there.</summary>
    protected IArrowArray PartialColumn(RecordBatch partial, int column, int bufferIndex)
    {
        var field = BufferFields[bufferIndex];
        var array = partial.Column(column);
        var actual = array.Data.DataType;
        if (actual.TypeId != field.DataType.TypeId && actual.TypeId != ArrowTypeId.Null)
            throw new ArgumentException(
                $"Partial column {column} should hold {field.Name} of type {DataTypes.ToDdl(field.DataType)} but has {DataTypes.ToDdl(actual)}.", nameof(partial));
        return array;
    }

    /// <summary>A value for each row of a boolean column (false where null).</summary>
    protected static ReadOnlySpan<byte> Flags(IArrowArray column, ref byte[]? scratch)
    {
        if (ArrowSpans.AllNull(column))
        {
            if (scratch is null || scratch.Length < column.Length) scratch = new byte[Math.Max(column.Length, 16)];
            scratch.AsSpan(0, column.Length).Clear();
            return scratch.AsSpan(0, column.Length);
        }
        var values = ArrowSpans.BooleansAsBytes(column, ref scratch);
        if (column.NullCount == 0) return values;
        var validity = ArrowSpans.Validity(column);
        var span = scratch.AsSpan(0, column.Length);
        for (var r = 0; r < span.Length; r++)
            if (!ArrowSpans.IsValid(validity, column.Offset, r)) span[r] = 0;
        return span;
    }
}
