using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Expressions.Kernels;

namespace OrleansStream.Engine.Analysis.Bound;

/// <summary>= != &lt; &lt;= &gt; &gt;= &lt;=&gt; with both sides' common type fixed at binding.</summary>
internal sealed class BoundComparison : BoundExpr
{
    private readonly BinaryOp _op;
    private readonly BoundExpr _left, _right;
    private readonly IArrowType _common;

    /// <summary>Compares <paramref name="left"/> and <paramref name="right"/> after casting both to <paramref name="common"/>.</summary>
    public BoundComparison(BinaryOp op, BoundExpr left, BoundExpr right, IArrowType common, bool nullable)
        : base(BooleanType.Default, nullable)
    {
        _op = op;
        _left = left;
        _right = right;
        _common = common;
    }

    /// <summary>The comparison.</summary>
    public BinaryOp Op => _op;

    /// <summary>The left operand.</summary>
    public BoundExpr Left => _left;

    /// <summary>The right operand.</summary>
    public BoundExpr Right => _right;

    /// <summary>The type both operands are compared as.</summary>
    public IArrowType Common => _common;

    /// <inheritdoc />
    protected override IArrowArray Compute(EvaluationScope scope)
    {
        var l = _left.Eval(scope);
        var r = _right.Eval(scope);
        // two nulls compare to null, except under <=> where they are equal
        if (_common is NullType)
            return _op == BinaryOp.EqualNullSafe ? ArrayFactory.Broadcast(true, BooleanType.Default, scope.Length) : ArrayFactory.Nulls(BooleanType.Default, scope.Length);
        return ComparisonKernels.Compare(_op, l, r, _common);
    }
}
