using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Expressions.Kernels;

namespace OrleansStream.Engine.Analysis.Bound;

/// <summary>NOT, negation, IS NULL and IS NOT NULL.</summary>
internal sealed class BoundUnary : BoundExpr
{
    private readonly UnaryOp _op;
    private readonly BoundExpr _child;

    /// <summary><paramref name="op"/> applied to <paramref name="child"/>.</summary>
    public BoundUnary(UnaryOp op, BoundExpr child, IArrowType type, bool nullable)
        : base(type, nullable)
    {
        _op = op;
        _child = child;
    }

    /// <inheritdoc />
    protected override IArrowArray Compute(EvaluationScope scope)
    {
        var c = _child.Eval(scope);
        return _op switch
        {
            UnaryOp.Not => LogicKernels.Not(AsBoolean(c)),
            UnaryOp.Negate => ArithmeticKernels.Negate(c is NullArray ? CastKernels.Cast(c, Int32Type.Default) : c),
            UnaryOp.IsNull => LogicKernels.IsNull(c, negate: false),
            _ => LogicKernels.IsNull(c, negate: true),
        };
    }
}
