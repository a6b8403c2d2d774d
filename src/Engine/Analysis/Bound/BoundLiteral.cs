using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions.Kernels;

namespace OrleansStream.Engine.Analysis.Bound;

/// <summary>A constant broadcast to the batch's length.</summary>
internal sealed class BoundLiteral : BoundExpr
{
    private readonly object? _value;

    /// <summary>The constant <paramref name="value"/> of <paramref name="type"/>.</summary>
    public BoundLiteral(object? value, IArrowType type)
        : base(type, value is null) => _value = value;

    /// <summary>The constant (null for a null literal).</summary>
    public object? Value => _value;

    /// <inheritdoc />
    protected override IArrowArray Compute(EvaluationScope scope) => ArrayFactory.Broadcast(_value, Type, scope.Length);
}
