using System.Collections;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace OrleansStream.Plan.Data;

/// <summary>Builds a list column: append the elements to <see cref="Child"/>, then call <see cref="EndList"/>.</summary>
internal sealed class ListColumnBuilder : ColumnBuilder
{
    private readonly ByteBuffer _offsets = new();

    public ListColumnBuilder(ListType type) : base(type)
    {
        Child = Create(type.ValueDataType);
        _offsets.Append(0);
    }

    public ColumnBuilder Child { get; }

    /// <summary>Closes a valid list whose elements were appended to <see cref="Child"/>.</summary>
    public void EndList()
    {
        Validity.Append(true);
        _offsets.Append(Child.Length);
    }

    protected override void AppendEmptySlot() => _offsets.Append(Child.Length);

    protected override void AppendObject(object value)
    {
        if (value is string or not IEnumerable) throw new InvalidCastException($"Cannot store {value.GetType().Name} in an array column.");
        foreach (var item in (IEnumerable)value) Child.Append(item);
        EndList();
    }

    public override void Truncate(int length)
    {
        if (length >= Length) return;
        Validity.Truncate(length);
        _offsets.SetLength((length + 1) * sizeof(int));
        Child.Truncate(_offsets.Read<int>(length * sizeof(int)));
    }

    public override IArrowArray Build()
    {
        var child = Child.Build();
        return new ListArray(Type, Length, _offsets.Build(), child, Validity.Build(true), NullCount);
    }
}
