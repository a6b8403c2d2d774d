using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Engine.State;

namespace OrleansStream.Engine.Operators.Aggregation.Accumulators;

/// <summary>One byte string per slot (UTF-8 for strings) for min, max, first and last of string and binary columns. A slot's
/// array is reused while new values fit, so replacing a value allocates only when it grows; values are kept as bytes because
/// Spark orders strings by their UTF-8 bytes, which .NET's UTF-16 ordinal order does not match.</summary>
internal sealed class BytesSlotStore
{
    private byte[]?[] _data = [];
    private int[] _lengths = [];
    private long _allocatedBytes;

    public long EstimatedBytes => _data.Length * 12L + _allocatedBytes;

    public void Resize(int size)
    {
        System.Array.Resize(ref _data, size);
        SlotArrays.Resize(ref _lengths, size);
    }

    public ReadOnlySpan<byte> Get(int slot) => _data[slot].AsSpan(0, _lengths[slot]);

    public void Set(int slot, ReadOnlySpan<byte> value)
    {
        var current = _data[slot];
        if (current is null || current.Length < value.Length)
        {
            _allocatedBytes -= current?.Length ?? 0;
            // Round up so a value that grows by a few bytes at a time does not reallocate every time.
            current = new byte[Math.Max(8, (int)Math.Min(System.Array.MaxLength, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)value.Length)))];
            _allocatedBytes += current.Length;
            _data[slot] = current;
        }
        value.CopyTo(current);
        _lengths[slot] = value.Length;
    }

    public void Copy(int target, int source) => Set(target, Get(source));

    public void Clear(int slot)
    {
        _allocatedBytes -= _data[slot]?.Length ?? 0;
        _data[slot] = null;
        _lengths[slot] = 0;
    }

    public void ClearAll()
    {
        System.Array.Clear(_data);
        System.Array.Clear(_lengths);
        _allocatedBytes = 0;
    }

    /// <summary>A string or binary column of the slots' values, null where <paramref name="valid"/> is false or the slot is negative.</summary>
    public IArrowArray Write(IArrowType type, ReadOnlySpan<int> slots, bool[] valid)
    {
        long total = 0;
        foreach (var s in slots)
            if (s >= 0 && valid[s]) total += _lengths[s];
        var writer = new StringColumnWriter(slots.Length, (int)Math.Min(total, System.Array.MaxLength));
        foreach (var s in slots)
        {
            if (s < 0 || !valid[s]) writer.AppendNull();
            else writer.Append(Get(s));
        }
        return writer.Build(type.TypeId == ArrowTypeId.Binary ? BinaryType.Default : StringType.Default);
    }
}
