using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Apache.Arrow;

namespace OrleansStream.Plan.Data;

/// <summary>A growable little-endian byte buffer that becomes an Arrow buffer without copying.</summary>
internal sealed class ByteBuffer
{
    private byte[] _data;
    private int _length;

    public ByteBuffer(int capacity = 64) => _data = capacity == 0 ? [] : new byte[capacity];

    public int Length => _length;

    public Span<byte> WrittenSpan => _data.AsSpan(0, _length);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Append<T>(T value) where T : unmanaged
    {
        int size = Unsafe.SizeOf<T>();
        EnsureCapacity(_length + size);
        Unsafe.WriteUnaligned(ref _data[_length], value);
        _length += size;
    }

    public void Append(ReadOnlySpan<byte> bytes)
    {
        EnsureCapacity(_length + bytes.Length);
        bytes.CopyTo(_data.AsSpan(_length));
        _length += bytes.Length;
    }

    /// <summary>Returns a writable span of <paramref name="count"/> bytes at the end; call <see cref="Advance"/> with what was written.</summary>
    public Span<byte> GetSpan(int count)
    {
        EnsureCapacity(_length + count);
        return _data.AsSpan(_length, count);
    }

    public void Advance(int count) => _length += count;

    public T Read<T>(int byteOffset) where T : unmanaged => Unsafe.ReadUnaligned<T>(ref _data[byteOffset]);

    public void SetLength(int length)
    {
        if (length > _length)
        {
            EnsureCapacity(length);
            _data.AsSpan(_length, length - _length).Clear();
        }
        _length = length;
    }

    public ArrowBuffer Build() => _length == 0 ? ArrowBuffer.Empty : new ArrowBuffer(_data.AsMemory(0, _length));

    private void EnsureCapacity(int needed)
    {
        if (needed <= _data.Length) return;
        int size = Math.Max(needed, Math.Max(64, _data.Length * 2));
        System.Array.Resize(ref _data, size);
    }

    public static Span<T> Cast<T>(Span<byte> bytes) where T : unmanaged => MemoryMarshal.Cast<byte, T>(bytes);
}
