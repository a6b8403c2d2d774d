using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions.Kernels;

namespace OrleansStream.Engine.Analysis.Bound;

/// <summary>A field of a struct, by its index found at binding.</summary>
internal sealed class BoundGetField : BoundExpr
{
    private readonly BoundExpr _child;
    private readonly int _field;

    /// <summary>Field <paramref name="field"/> of the struct <paramref name="child"/> produces.</summary>
    public BoundGetField(BoundExpr child, int field, IArrowType type, bool nullable)
        : base(type, nullable)
    {
        _child = child;
        _field = field;
    }

    /// <inheritdoc />
    protected override IArrowArray Compute(EvaluationScope scope) => StructChild((StructArray)_child.Eval(scope), _field);

    /// <summary>Field <paramref name="k"/> of a struct column, null wherever the struct itself is null.</summary>
    internal static IArrowArray StructChild(StructArray s, int k)
    {
        var child = s.Fields[k];
        if (s.NullCount == 0 || child.Data.DataType is NullType) return child;
        var n = s.Length;
        var parentValid = Bitmaps.Validity(s)!;
        var off = child.Offset;
        var bits = new byte[BitUtility.ByteCount(off + n)];
        var childBits = child.NullCount == 0 ? default : child.Data.Buffers[0].Span;
        var nulls = 0;
        for (var i = 0; i < n; i++)
        {
            var valid = Bitmaps.Get(parentValid, i) && (child.NullCount == 0 || BitUtility.GetBit(childBits, off + i));
            if (valid) Bitmaps.Set(bits, off + i);
            else nulls++;
        }
        var buffers = child.Data.Buffers.ToArray();
        buffers[0] = new ArrowBuffer(bits);
        return ArrowArrayFactory.BuildArray(new ArrayData(child.Data.DataType, n, nulls, off, buffers, child.Data.Children, child.Data.Dictionary));
    }
}
