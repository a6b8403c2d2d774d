using System.Collections;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace OrleansStream.Plan.Data;

/// <summary>Builds a struct column. A valid row appends one value to every child.</summary>
internal sealed class StructColumnBuilder : ColumnBuilder
{
    public StructColumnBuilder(StructType type) : base(type)
    {
        StructType = type;
        Children = new ColumnBuilder[type.Fields.Count];
        for (int i = 0; i < Children.Length; i++) Children[i] = Create(type.Fields[i].DataType);
    }

    public StructType StructType { get; }

    public ColumnBuilder[] Children { get; }

    /// <summary>Marks the next row valid; the caller then appends exactly one value to each child.</summary>
    public void AppendValid() => Validity.Append(true);

    protected override void AppendEmptySlot()
    {
        foreach (var c in Children) c.AppendNull();
    }

    protected override void AppendObject(object value)
    {
        switch (value)
        {
            case IReadOnlyDictionary<string, object?> dict:
                AppendValid();
                for (int i = 0; i < Children.Length; i++)
                    Children[i].Append(dict.TryGetValue(StructType.Fields[i].Name, out var v) ? v : null);
                break;
            case IReadOnlyList<object?> list:
                if (list.Count != Children.Length)
                    throw new InvalidCastException($"A struct with {Children.Length} fields cannot take {list.Count} values.");
                AppendValid();
                for (int i = 0; i < Children.Length; i++) Children[i].Append(list[i]);
                break;
            case IList list:
                if (list.Count != Children.Length)
                    throw new InvalidCastException($"A struct with {Children.Length} fields cannot take {list.Count} values.");
                AppendValid();
                for (int i = 0; i < Children.Length; i++) Children[i].Append(list[i]);
                break;
            default:
                throw new InvalidCastException($"Cannot store {value.GetType().Name} in a struct column (use object?[]).");
        }
    }

    public override void Truncate(int length)
    {
        Validity.Truncate(length);
        foreach (var c in Children) c.Truncate(length);
    }

    public override IArrowArray Build()
    {
        var children = new IArrowArray[Children.Length];
        for (int i = 0; i < children.Length; i++) children[i] = Children[i].Build();
        return new StructArray(StructType, Length, children, Validity.Build(true), NullCount);
    }
}
