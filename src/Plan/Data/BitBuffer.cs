using System.Numerics;
using Apache.Arrow;

namespace OrleansStream.Plan.Data;

/// <summary>A growable bitmap (validity or boolean values) with a count of cleared bits.</summary>
internal sealed class BitBuffer
{
    private byte[] _bits = new byte[8];
    private int _length;
    private int _unsetCount;

    public int Length => _length;

    /// <summary>Number of cleared bits (nulls when used as a validity bitmap).</summary>
    public int UnsetCount => _unsetCount;

    public void Append(bool value)
    {
        int byteIndex = _length >> 3;
        if (byteIndex >= _bits.Length) System.Array.Resize(ref _bits, _bits.Length * 2);
        if (value) _bits[byteIndex] |= (byte)(1 << (_length & 7));
        else _unsetCount++;
        _length++;
    }

    public bool Get(int index) => (_bits[index >> 3] & (1 << (index & 7))) != 0;

    public void Truncate(int length)
    {
        if (length >= _length) return;
        for (int i = length; i < _length; i++)
        {
            if (Get(i)) _bits[i >> 3] &= (byte)~(1 << (i & 7));
            else _unsetCount--;
        }
        _length = length;
    }

    /// <summary>The bitmap, or an empty buffer when <paramref name="emptyIfAllSet"/> and no bit is cleared.</summary>
    public ArrowBuffer Build(bool emptyIfAllSet)
    {
        if (emptyIfAllSet && _unsetCount == 0) return ArrowBuffer.Empty;
        int bytes = (_length + 7) >> 3;
        return new ArrowBuffer(_bits.AsMemory(0, Math.Max(bytes, 1)));
    }

    internal static int PopCount(ReadOnlySpan<byte> bytes)
    {
        int n = 0;
        foreach (var b in bytes) n += BitOperations.PopCount(b);
        return n;
    }
}
