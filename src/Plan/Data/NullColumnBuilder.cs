using Apache.Arrow;

namespace OrleansStream.Plan.Data;

/// <summary>Builds a <see cref="NullArray"/>.</summary>
internal sealed class NullColumnBuilder : ColumnBuilder
{
    public NullColumnBuilder() : base(Apache.Arrow.Types.NullType.Default) { }

    protected override void AppendEmptySlot() { }

    protected override void AppendObject(object value) => throw new InvalidCastException("Only null fits a null column.");

    public override void Truncate(int length) => Validity.Truncate(length);

    public override IArrowArray Build() => new NullArray(Length);
}
