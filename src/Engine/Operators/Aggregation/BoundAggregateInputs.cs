using Apache.Arrow;
using OrleansStream.Engine.Analysis;
using OrleansStream.Engine.Analysis.Bound;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Planning;

namespace OrleansStream.Engine.Operators.Aggregation;

/// <summary>
/// What partial aggregation evaluates per batch, bound once to the aggregation's input: each grouping key's value (the
/// event time of a window or session key), a session gap given by an expression, and each aggregate's argument. One binder
/// binds them all, so a sub-expression they share is computed once per batch.
/// </summary>
internal sealed class BoundAggregateInputs
{
    /// <summary>Binds <paramref name="keys"/> and <paramref name="inputs"/> over <paramref name="inputSchema"/>.</summary>
    /// <exception cref="AnalysisException">An expression does not bind.</exception>
    public BoundAggregateInputs(IReadOnlyList<GroupingKey> keys, IReadOnlyList<Expr?> inputs, Schema inputSchema)
    {
        var binder = new ExpressionBinder(inputSchema);
        KeyValues = new BoundExpr[keys.Count];
        Gaps = new BoundExpr?[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            KeyValues[i] = binder.Bind(keys[i].Value);
            // a literal gap is parsed once by the writer, not evaluated
            if (keys[i].Gap is { } gap && gap is not Literal { Value: string }) Gaps[i] = binder.Bind(gap);
        }
        Inputs = new BoundExpr?[inputs.Count];
        for (var j = 0; j < inputs.Count; j++) Inputs[j] = inputs[j] is { } input ? binder.Bind(input) : null;
        SlotCount = binder.SlotCount;
    }

    /// <summary>Per grouping key, its value (plain) or event time (window, session).</summary>
    public BoundExpr[] KeyValues { get; }

    /// <summary>Per grouping key, the gap of a session key given by an expression; null otherwise.</summary>
    public BoundExpr?[] Gaps { get; }

    /// <summary>Per aggregate, its argument; null for count(*).</summary>
    public BoundExpr?[] Inputs { get; }

    /// <summary>The shared results an <see cref="EvaluationScope"/> over these expressions holds.</summary>
    public int SlotCount { get; }
}
