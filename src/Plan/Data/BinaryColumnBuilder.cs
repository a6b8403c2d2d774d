using System.Text;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace OrleansStream.Plan.Data;

/// <summary>Builds a string (UTF-8) or binary column by writing bytes straight into the offset and value buffers.</summary>
internal sealed class BinaryColumnBuilder : ColumnBuilder
{
    private readonly ByteBuffer _offsets = new();
    private readonly ByteBuffer _data = new(256);

    public BinaryColumnBuilder(IArrowType type) : base(type) => _offsets.Append(0);

    private void Commit()
    {
        Validity.Append(true);
        _offsets.Append(_data.Length);
    }

    /// <summary>Appends raw bytes (already UTF-8 for a string column).</summary>
    public void AppendBytes(ReadOnlySpan<byte> bytes)
    {
        _data.Append(bytes);
        Commit();
    }

    /// <summary>Appends a string encoded as UTF-8.</summary>
    public void AppendString(ReadOnlySpan<char> chars)
    {
        var span = _data.GetSpan(Encoding.UTF8.GetMaxByteCount(chars.Length));
        _data.Advance(Encoding.UTF8.GetBytes(chars, span));
        Commit();
    }

    /// <summary>Returns a span of at least <paramref name="maxBytes"/> bytes to write a value into; finish with <see cref="CommitWritten"/>.</summary>
    public Span<byte> BeginWrite(int maxBytes) => _data.GetSpan(maxBytes);

    /// <summary>Commits <paramref name="written"/> bytes of the span from <see cref="BeginWrite"/> as one value.</summary>
    public void CommitWritten(int written)
    {
        _data.Advance(written);
        Commit();
    }

    protected override void AppendEmptySlot() => _offsets.Append(_data.Length);

    protected override void AppendObject(object value)
    {
        switch (value)
        {
            case string s: AppendString(s); break;
            case byte[] b: AppendBytes(b); break;
            case ReadOnlyMemory<byte> m: AppendBytes(m.Span); break;
            case char c: AppendString([c]); break;
            default:
                if (Type is BinaryType) throw new InvalidCastException($"Cannot store {value.GetType().Name} in a binary column.");
                AppendString(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "");
                break;
        }
    }

    public override void Truncate(int length)
    {
        if (length >= Length) return;
        Validity.Truncate(length);
        _offsets.SetLength((length + 1) * sizeof(int));
        _data.SetLength(_offsets.Read<int>(length * sizeof(int)));
    }

    public override IArrowArray Build() =>
        ArrowArrayFactory.BuildArray(MakeData([Validity.Build(true), _offsets.Build(), _data.Build()]));
}
