using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions.Kernels;

namespace OrleansStream.Engine.Analysis.Bound;

/// <summary>AND / OR with SQL's three-valued logic.</summary>
internal sealed class BoundLogic : BoundExpr
{
    private readonly bool _isAnd;
    private readonly BoundExpr _left, _right;

    /// <summary><paramref name="left"/> AND (or OR) <paramref name="right"/>.</summary>
    public BoundLogic(bool isAnd, BoundExpr left, BoundExpr right, bool nullable)
        : base(BooleanType.Default, nullable)
    {
        _isAnd = isAnd;
        _left = left;
        _right = right;
    }

    /// <inheritdoc />
    protected override IArrowArray Compute(EvaluationScope scope)
    {
        var l = AsBoolean(_left.Eval(scope));
        var r = AsBoolean(_right.Eval(scope));
        return _isAnd ? LogicKernels.And(l, r) : LogicKernels.Or(l, r);
    }
}
