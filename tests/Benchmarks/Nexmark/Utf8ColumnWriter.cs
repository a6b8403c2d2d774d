using System.Runtime.InteropServices;
using Apache.Arrow;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>
/// Builds an Arrow string column by writing UTF-8 bytes straight into its buffers: StringArray.Builder.Append manages only
/// 5-7 M strings/s on these machines (DESIGN.md §9), and generation must not be what a benchmark waits for.
/// </summary>
internal sealed class Utf8ColumnWriter
{
    private byte[] _data;
    private readonly int[] _offsets;
    private int _count;
    private int _length;

    /// <summary>A writer for exactly <paramref name="rows"/> values of about <paramref name="averageBytes"/> bytes each.</summary>
    public Utf8ColumnWriter(int rows, int averageBytes)
    {
        _offsets = new int[rows + 1];
        _data = new byte[Math.Max(16, rows * averageBytes)];
    }

    /// <summary>Appends one value.</summary>
    public void Append(ReadOnlySpan<byte> utf8)
    {
        if (_length + utf8.Length > _data.Length) System.Array.Resize(ref _data, Math.Max(_data.Length * 2, _length + utf8.Length));
        utf8.CopyTo(_data.AsSpan(_length));
        _length += utf8.Length;
        _offsets[++_count] = _length;
    }

    /// <summary>Appends the concatenation of two values (a url and its channel suffix) as one.</summary>
    public void Append(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        if (_length + first.Length + second.Length > _data.Length)
            System.Array.Resize(ref _data, Math.Max(_data.Length * 2, _length + first.Length + second.Length));
        first.CopyTo(_data.AsSpan(_length));
        second.CopyTo(_data.AsSpan(_length + first.Length));
        _length += first.Length + second.Length;
        _offsets[++_count] = _length;
    }

    /// <summary>The column; the writer must not be used afterwards.</summary>
    public StringArray Build() => new(_count, new ArrowBuffer(MemoryMarshal.AsBytes(_offsets.AsSpan(0, _count + 1)).ToArray()),
        new ArrowBuffer(_data.AsMemory(0, _length)), ArrowBuffer.Empty, 0, 0);
}
