using Apache.Arrow;
using Apache.Arrow.Types;

namespace OrleansStream.Plan.Data;

/// <summary>Builds a fixed-width column (integers, floats, decimal128, timestamp, date).</summary>
internal sealed class FixedWidthColumnBuilder<T> : ColumnBuilder where T : unmanaged
{
    private readonly ByteBuffer _values = new();
    private readonly Func<object, T> _convert;

    public FixedWidthColumnBuilder(IArrowType type, Func<object, T> convert) : base(type) => _convert = convert;

    public void Append(T value)
    {
        Validity.Append(true);
        _values.Append(value);
    }

    protected override void AppendEmptySlot() => _values.Append(default(T));

    protected override void AppendObject(object value) => Append(_convert(value));

    public override void Truncate(int length)
    {
        Validity.Truncate(length);
        _values.SetLength(length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
    }

    public override IArrowArray Build() =>
        ArrowArrayFactory.BuildArray(MakeData([Validity.Build(true), _values.Build()]));
}
