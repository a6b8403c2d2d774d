using Apache.Arrow;
using Apache.Arrow.Types;

namespace OrleansStream.Plan.Data;

/// <summary>Builds a boolean column.</summary>
internal sealed class BooleanColumnBuilder : ColumnBuilder
{
    private readonly BitBuffer _values = new();

    public BooleanColumnBuilder() : base(BooleanType.Default) { }

    public void Append(bool value)
    {
        Validity.Append(true);
        _values.Append(value);
    }

    protected override void AppendEmptySlot() => _values.Append(false);

    protected override void AppendObject(object value) => Append(value is bool b ? b : throw new InvalidCastException($"Cannot store {value.GetType().Name} in a boolean column."));

    public override void Truncate(int length)
    {
        Validity.Truncate(length);
        _values.Truncate(length);
    }

    public override IArrowArray Build() => new BooleanArray(MakeData([Validity.Build(true), _values.Build(false)]));
}
