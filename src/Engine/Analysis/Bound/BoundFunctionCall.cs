using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Analysis.Functions;

namespace OrleansStream.Engine.Analysis.Bound;

/// <summary>A call of a registered function: its arguments bound, its kernel found and its literal arguments read at binding.</summary>
internal sealed class BoundFunctionCall : BoundExpr
{
    private readonly BoundExpr[] _evaluated;

    /// <summary>Calls <paramref name="definition"/> on <paramref name="arguments"/> (the first <paramref name="evaluatedCount"/> are evaluated per batch).</summary>
    public BoundFunctionCall(FunctionDefinition definition, BoundExpr[] arguments, int evaluatedCount, object? prepared, IArrowType type, bool nullable)
        : base(type, nullable)
    {
        Definition = definition;
        Arguments = arguments;
        _evaluated = evaluatedCount == arguments.Length ? arguments : arguments[..evaluatedCount];
        Prepared = prepared;
    }

    /// <summary>The function.</summary>
    public FunctionDefinition Definition { get; }

    /// <summary>All arguments, literal ones included.</summary>
    public IReadOnlyList<BoundExpr> Arguments { get; }

    /// <summary>What <see cref="FunctionDefinition.Prepare"/> read from the literal arguments.</summary>
    public object? Prepared { get; }

    /// <inheritdoc />
    protected override IArrowArray Compute(EvaluationScope scope)
    {
        var kernel = Definition.Kernel
            ?? throw new InvalidOperationException($"`{Definition.Name}` is a {Definition.Kind} function and has no row-wise kernel.");
        var args = new IArrowArray[_evaluated.Length];
        for (var i = 0; i < args.Length; i++) args[i] = _evaluated[i].Eval(scope);
        return kernel(args, this, scope);
    }
}
