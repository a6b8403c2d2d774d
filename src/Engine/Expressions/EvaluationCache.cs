using Apache.Arrow;

namespace OrleansStream.Engine.Expressions;

/// <summary>
/// The results of the sub-expressions already evaluated over one batch, so a tree that repeats itself (q14's four
/// <c>CAST(dateTime AS LONG) % 86400</c>, a filter's two <c>price * 0.908</c>) computes each distinct part once.
/// Valid for one batch only; arrays are never modified after they are built, so a result can be shared.
/// </summary>
internal sealed class EvaluationCache
{
    private readonly Dictionary<Expr, IArrowArray> _results = new(ExprKeyComparer.Instance);

    /// <summary>The batch the cached results belong to.</summary>
    public RecordBatch Batch { get; }

    /// <summary>An empty cache for <paramref name="batch"/>.</summary>
    public EvaluationCache(RecordBatch batch) => Batch = batch;

    /// <summary>Whether <paramref name="expr"/> is worth remembering: operators, casts, CASE and function calls
    /// (column references and literals cost nothing to evaluate again).</summary>
    public static bool IsCacheable(Expr expr) => expr is BinaryExpr or UnaryExpr or CastExpr or CaseWhen or FunctionCall;

    /// <summary>The result computed earlier for an equal expression, if any.</summary>
    public bool TryGet(Expr expr, out IArrowArray result) => _results.TryGetValue(expr, out result!);

    /// <summary>Remembers <paramref name="result"/> for <paramref name="expr"/>.</summary>
    public void Add(Expr expr, IArrowArray result) => _results[expr] = result;
}
