using System.Buffers;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;

namespace OrleansStream.Engine.Expressions.Kernels;

/// <summary>Writes a string (or binary) column straight into UTF-8 value and int32 offset buffers.</summary>
internal sealed class StringColumnWriter
{
    private byte[] _data;
    private int _dataLength;
    private int[] _offsets;
    private byte[]? _validity;
    private int _count;
    // With an owner, the value bytes and the built offsets are the owner's pooled arrays; the offsets being written are a
    // scratch array from the shared pool until they outgrow it.
    private readonly BatchBuffers? _buffers;
    private bool _offsetsRented;

    public StringColumnWriter(int rowCapacity, int byteCapacity = 0, BatchBuffers? buffers = null)
    {
        _buffers = buffers;
        var offsets = Math.Max(rowCapacity, 1) + 1;
        _offsets = buffers is null ? new int[offsets] : ArrayPool<int>.Shared.Rent(offsets);
        _offsets[0] = 0;
        _offsetsRented = buffers is not null;
        _data = buffers is null ? new byte[Math.Max(byteCapacity, 16)] : buffers.Rent(Math.Max(byteCapacity, 16));
    }

    public int Count => _count;

    /// <summary>Appends one value.</summary>
    public void Append(ReadOnlySpan<byte> value)
    {
        value.CopyTo(Reserve(value.Length));
        Commit(value.Length);
    }

    /// <summary>Returns space for at least <paramref name="maxBytes"/> bytes of the next value; call <see cref="Commit"/> after writing.</summary>
    public Span<byte> Reserve(int maxBytes)
    {
        if (_dataLength + maxBytes > _data.Length) Grow(Math.Max(_data.Length * 2, _dataLength + maxBytes));
        return _data.AsSpan(_dataLength, maxBytes);
    }

    /// <summary>Appends bytes to the value being built (without finishing it).</summary>
    public void AppendPart(ReadOnlySpan<byte> part)
    {
        part.CopyTo(Reserve(part.Length));
        _dataLength += part.Length;
    }

    /// <summary>Finishes the value being built after <see cref="AppendPart"/> calls.</summary>
    public void EndValue() => Commit(0);

    /// <summary>Finishes a value of <paramref name="written"/> bytes written into the span from <see cref="Reserve"/>.</summary>
    public void Commit(int written)
    {
        _dataLength += written;
        EnsureCapacity();
        _count++;
        _offsets[_count] = _dataLength;
    }

    /// <summary>Appends a null.</summary>
    public void AppendNull()
    {
        EnsureCapacity();
        if (_validity is null)
        {
            _validity = new byte[BitUtility.ByteCount(_offsets.Length)];
            _validity.AsSpan().Fill(0xFF);
        }
        Bitmaps.Clear(_validity, _count);
        _count++;
        _offsets[_count] = _dataLength;
    }

    private void Grow(int bytes)
    {
        if (_buffers is null)
        {
            System.Array.Resize(ref _data, bytes);
            return;
        }
        var bigger = _buffers.Rent(bytes);
        _data.AsSpan(0, _dataLength).CopyTo(bigger);
        _buffers.Return(_data);
        _data = bigger;
    }

    private void EnsureCapacity()
    {
        if (_count + 2 <= _offsets.Length) return;
        System.Array.Resize(ref _offsets, _offsets.Length * 2);
        _offsetsRented = false;
        if (_validity is not null)
        {
            var old = _validity.Length;
            System.Array.Resize(ref _validity, BitUtility.ByteCount(_offsets.Length));
            _validity.AsSpan(old).Fill(0xFF);
        }
    }

    /// <summary>Builds the column (string by default, or binary).</summary>
    public IArrowArray Build(IArrowType? type = null)
    {
        type ??= StringType.Default;
        var offsetBytes = (_count + 1) * sizeof(int);
        var offsets = _buffers is null ? new byte[offsetBytes] : _buffers.Rent(offsetBytes);
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(_offsets.AsSpan(0, _count + 1)).CopyTo(offsets);
        if (_offsetsRented)
        {
            ArrayPool<int>.Shared.Return(_offsets);
            (_offsets, _offsetsRented) = ([0], false);
        }
        var validity = Bitmaps.ToBuffer(_validity, _count, out var nulls);
        var data = new ArrayData(type, _count, nulls, 0,
            [validity, new ArrowBuffer(offsets.AsMemory(0, offsetBytes)), new ArrowBuffer(_data.AsMemory(0, _dataLength))], []);
        return ArrowArrayFactory.BuildArray(data);
    }
}
