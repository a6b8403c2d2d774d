using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions.Kernels;

namespace OrleansStream.Engine.Data;

/// <summary>Fills a fixed-width column of known length by index, then wraps the buffer as an Arrow array without copying.
/// A boolean column is written as one byte (0/1) per row and packed into bits by <see cref="Build"/>.</summary>
internal sealed class FixedColumnWriter<T> where T : unmanaged
{
    private readonly byte[] _bytes;
    private readonly int _length;
    private byte[]? _validity;

    public FixedColumnWriter(int length)
    {
        _length = length;
        _bytes = new byte[length * Unsafe.SizeOf<T>()];
    }

    /// <summary>A writer whose values (not a boolean's bits) are rented from <paramref name="buffers"/>, the owner of the batch
    /// the column goes into, when there is one; cleared, so that a row left unwritten is zero as in a new array.</summary>
    public FixedColumnWriter(int length, BatchBuffers? buffers)
        : this(length, buffers, clear: true)
    {
    }

    /// <summary>As <see cref="FixedColumnWriter{T}(int, BatchBuffers)"/>; without <paramref name="clear"/> a rented array keeps
    /// what it held, for a caller that writes every row.</summary>
    public FixedColumnWriter(int length, BatchBuffers? buffers, bool clear)
    {
        _length = length;
        var bytes = length * Unsafe.SizeOf<T>();
        if (buffers is null || bytes == 0)
        {
            _bytes = new byte[bytes];
            return;
        }
        _bytes = buffers.Rent(bytes);
        if (clear) _bytes.AsSpan(0, bytes).Clear();
    }

    /// <summary>The values, one per row (initially zero).</summary>
    public Span<T> Values => MemoryMarshal.Cast<byte, T>(_bytes.AsSpan(0, _length * Unsafe.SizeOf<T>()));

    /// <summary>Marks row <paramref name="index"/> null.</summary>
    public void SetNull(int index)
    {
        _validity ??= Bitmaps.AllSet(_length);
        Bitmaps.Clear(_validity, index);
    }

    /// <summary>The column as an array of <paramref name="type"/>.</summary>
    public IArrowArray Build(IArrowType type)
    {
        if (type.TypeId != ArrowTypeId.Boolean) return ArrayFactory.Primitive(type, _bytes.AsMemory(0, _length * Unsafe.SizeOf<T>()), _validity, _length);
        var bits = new byte[BitUtility.ByteCount(_length)];
        for (var i = 0; i < _length; i++)
            if (_bytes[i * Unsafe.SizeOf<T>()] != 0) Bitmaps.Set(bits, i);
        return ArrayFactory.Boolean(bits, _validity, _length);
    }
}
