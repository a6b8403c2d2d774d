using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions.Kernels;

namespace OrleansStream.Engine.Analysis.Bound;

/// <summary>CAST(child AS type), the target type parsed once at binding.</summary>
internal sealed class BoundCast : BoundExpr
{
    private readonly BoundExpr _child;

    /// <summary>Casts <paramref name="child"/> to <paramref name="type"/>.</summary>
    public BoundCast(BoundExpr child, IArrowType type, bool nullable)
        : base(type, nullable) => _child = child;

    /// <inheritdoc />
    protected override IArrowArray Compute(EvaluationScope scope) => CastKernels.Cast(_child.Eval(scope), Type, scope.Context.Buffers);
}
