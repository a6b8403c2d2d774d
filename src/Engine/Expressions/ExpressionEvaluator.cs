using Apache.Arrow;
using OrleansStream.Engine.Analysis;
using OrleansStream.Engine.Execution;

namespace OrleansStream.Engine.Expressions;

/// <summary>
/// Evaluates an <see cref="Expr"/> over a whole <see cref="RecordBatch"/> at once, column by column (vectorised Arrow kernels,
/// no per-row objects), binding it to the batch's schema first. The result always has the batch's length (literals are
/// broadcast) and the type <see cref="ExpressionTyper"/> reports for the expression over the batch's schema. Operators do not
/// come here: they bind their expressions once (<see cref="ExpressionBinder"/>) and evaluate the bound form per batch.
/// </summary>
public static class ExpressionEvaluator
{
    /// <summary>Evaluates <paramref name="expr"/> over <paramref name="batch"/>; <c>current_timestamp()</c> is
    /// <see cref="EpochContext.BatchTimestampMicros"/>.</summary>
    /// <exception cref="AnalysisException">Unknown column or function, or a type mismatch.</exception>
    public static IArrowArray Evaluate(Expr expr, RecordBatch batch, EpochContext ctx)
    {
        ArgumentNullException.ThrowIfNull(expr);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(ctx);
        var binder = new ExpressionBinder(batch.Schema);
        var bound = binder.Bind(expr);
        return bound.Evaluate(new EvaluationScope(batch, ctx, binder.SlotCount));
    }
}
