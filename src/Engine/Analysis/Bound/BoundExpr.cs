using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions.Kernels;

namespace OrleansStream.Engine.Analysis.Bound;

/// <summary>
/// An expression bound to an input schema by the <see cref="ExpressionBinder"/>: columns are ordinals, types are fixed and
/// functions are kernels, so evaluating it over a batch looks nothing up. Evaluation is column-at-a-time (vectorised
/// kernels, no per-row objects); nodes are immutable and may be shared by several operators' threads.
/// </summary>
internal abstract class BoundExpr
{
    /// <summary>A node of <paramref name="type"/>.</summary>
    protected BoundExpr(IArrowType type, bool nullable)
    {
        Type = type;
        Nullable = nullable;
    }

    /// <summary>The result type (what the typer reports for the expression).</summary>
    public IArrowType Type { get; }

    /// <summary>Whether the result may hold nulls.</summary>
    public bool Nullable { get; }

    /// <summary>The scope slot that holds this node's result when several parents share it; -1 when it has one parent.</summary>
    public int Slot { get; internal set; } = -1;

    /// <summary>The result over the scope's batch, as long as the batch; an empty batch gives an empty column of <see cref="Type"/>
    /// (empty inputs may carry empty offset buffers that kernels would read past).</summary>
    public IArrowArray Evaluate(EvaluationScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return scope.Length == 0 ? ArrayFactory.Nulls(Type, 0) : Eval(scope);
    }

    /// <summary>The result over a non-empty batch, from the scope's slot when another parent computed it already.</summary>
    internal IArrowArray Eval(EvaluationScope scope)
    {
        if (Slot < 0) return Compute(scope);
        ref var shared = ref scope.Slot(Slot);
        return shared ??= Compute(scope);
    }

    /// <summary>Computes the result over a non-empty batch.</summary>
    protected abstract IArrowArray Compute(EvaluationScope scope);

    /// <summary>A boolean result as a <see cref="BooleanArray"/> (a null-typed one becomes all-null booleans).</summary>
    protected static BooleanArray AsBoolean(IArrowArray a) => a as BooleanArray ?? (BooleanArray)CastKernels.Cast(a, BooleanType.Default);
}
