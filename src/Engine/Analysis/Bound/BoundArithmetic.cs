using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Expressions.Kernels;

namespace OrleansStream.Engine.Analysis.Bound;

/// <summary>+ - * / % with the result type fixed at binding (Spark's promotion rules).</summary>
internal sealed class BoundArithmetic : BoundExpr
{
    private readonly BinaryOp _op;
    private readonly BoundExpr _left, _right;

    /// <summary><paramref name="left"/> op <paramref name="right"/> as <paramref name="type"/>.</summary>
    public BoundArithmetic(BinaryOp op, BoundExpr left, BoundExpr right, IArrowType type, bool nullable)
        : base(type, nullable)
    {
        _op = op;
        _left = left;
        _right = right;
    }

    /// <summary>The operator.</summary>
    public BinaryOp Op => _op;

    /// <summary>The left operand.</summary>
    public BoundExpr Left => _left;

    /// <summary>The right operand.</summary>
    public BoundExpr Right => _right;

    /// <inheritdoc />
    protected override IArrowArray Compute(EvaluationScope scope) => ArithmeticKernels.Binary(_op, _left.Eval(scope), _right.Eval(scope), Type, scope.Context.Buffers);
}
