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

    /// <summary>The values, one per row (initially zero).</summary>
    public Span<T> Values => MemoryMarshal.Cast<byte, T>(_bytes.AsSpan());

    /// <summary>Marks row <paramref name="index"/> null.</summary>
    public void SetNull(int index)
    {
        _validity ??= Bitmaps.AllSet(_length);
        Bitmaps.Clear(_validity, index);
    }

    /// <summary>The column as an array of <paramref name="type"/>.</summary>
    public IArrowArray Build(IArrowType type)
    {
        if (type.TypeId != ArrowTypeId.Boolean) return ArrayFactory.Primitive(type, _bytes, _validity, _length);
        var bits = new byte[BitUtility.ByteCount(_length)];
        for (var i = 0; i < _length; i++)
            if (_bytes[i * Unsafe.SizeOf<T>()] != 0) Bitmaps.Set(bits, i);
        return ArrayFactory.Boolean(bits, _validity, _length);
    }
}
