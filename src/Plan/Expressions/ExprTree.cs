namespace OrleansStream.Plan.Expressions;

/// <summary>The shape of an expression tree, for the walks over it that look at only some kinds of node.</summary>
public static class ExprTree
{
    /// <summary>The direct sub-expressions of <paramref name="e"/>, left to right (none for columns, stars and literals).</summary>
    public static IEnumerable<Expr> Children(Expr e)
    {
        ArgumentNullException.ThrowIfNull(e);
        switch (e)
        {
            case Alias a: yield return a.Child; break;
            case BinaryExpr b:
                yield return b.Left;
                yield return b.Right;
                break;
            case UnaryExpr u: yield return u.Child; break;
            case CastExpr c: yield return c.Child; break;
            case GetField g: yield return g.Child; break;
            case FunctionCall f:
                foreach (var arg in f.Args) yield return arg;
                break;
            case CaseWhen w:
                foreach (var branch in w.Branches)
                {
                    yield return branch.Condition;
                    yield return branch.Value;
                }
                if (w.Else is { } otherwise) yield return otherwise;
                break;
        }
    }

    /// <summary>The conjuncts of an AND tree, left to right (the expression itself when it is not an AND).</summary>
    public static IEnumerable<Expr> Conjuncts(Expr e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e is BinaryExpr { Op: BinaryOp.And } and)
        {
            foreach (var c in Conjuncts(and.Left)) yield return c;
            foreach (var c in Conjuncts(and.Right)) yield return c;
        }
        else yield return e;
    }
}
