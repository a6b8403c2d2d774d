namespace OrleansStream.Engine.Expressions;

/// <summary>
/// Structural equality of expression trees for reusing a sub-expression's result within one batch. Stricter than record
/// equality where that would merge trees that evaluate differently: literals match only with the same CLR type and the
/// same bits (0.0 and -0.0, 1.0m and 1.00m stay apart), and list members (CASE branches, function arguments) are
/// compared element by element.
/// </summary>
internal sealed class ExprKeyComparer : IEqualityComparer<Expr>
{
    /// <summary>The shared instance (stateless).</summary>
    public static readonly ExprKeyComparer Instance = new();

    /// <inheritdoc />
    public bool Equals(Expr? a, Expr? b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a is null || b is null || a.GetType() != b.GetType()) return false;
        return (a, b) switch
        {
            (ColumnRef x, ColumnRef y) => x.Name == y.Name && x.PlanId == y.PlanId,
            (Literal x, Literal y) => x.TypeName == y.TypeName && SameValue(x.Value, y.Value),
            (Alias x, Alias y) => x.Name == y.Name && Equals(x.Child, y.Child),
            (BinaryExpr x, BinaryExpr y) => x.Op == y.Op && Equals(x.Left, y.Left) && Equals(x.Right, y.Right),
            (UnaryExpr x, UnaryExpr y) => x.Op == y.Op && Equals(x.Child, y.Child),
            (CastExpr x, CastExpr y) => x.TypeName == y.TypeName && Equals(x.Child, y.Child),
            (GetField x, GetField y) => x.Field == y.Field && Equals(x.Child, y.Child),
            (FunctionCall x, FunctionCall y) => x.Name == y.Name && x.IsDistinct == y.IsDistinct && SameList(x.Args, y.Args),
            (CaseWhen x, CaseWhen y) => SameBranches(x, y),
            (Star x, Star y) => x.Qualifier == y.Qualifier,
            _ => false,
        };
    }

    private bool SameList(IReadOnlyList<Expr> a, IReadOnlyList<Expr> b)
    {
        if (a.Count != b.Count) return false;
        for (var i = 0; i < a.Count; i++)
            if (!Equals(a[i], b[i])) return false;
        return true;
    }

    private bool SameBranches(CaseWhen a, CaseWhen b)
    {
        if (a.Branches.Count != b.Branches.Count || !Equals(a.Else, b.Else)) return false;
        for (var i = 0; i < a.Branches.Count; i++)
            if (!Equals(a.Branches[i].Condition, b.Branches[i].Condition) || !Equals(a.Branches[i].Value, b.Branches[i].Value)) return false;
        return true;
    }

    private static bool SameValue(object? a, object? b)
    {
        if (a is null || b is null) return a is null && b is null;
        if (a.GetType() != b.GetType()) return false;
        return (a, b) switch
        {
            (double x, double y) => BitConverter.DoubleToInt64Bits(x) == BitConverter.DoubleToInt64Bits(y),
            (float x, float y) => BitConverter.SingleToInt32Bits(x) == BitConverter.SingleToInt32Bits(y),
            (decimal x, decimal y) => decimal.GetBits(x).AsSpan().SequenceEqual(decimal.GetBits(y)),
            (DateTime x, DateTime y) => x.Ticks == y.Ticks && x.Kind == y.Kind,
            (byte[] x, byte[] y) => x.AsSpan().SequenceEqual(y),
            _ => a.Equals(b),
        };
    }

    /// <inheritdoc />
    public int GetHashCode(Expr e) => e switch
    {
        ColumnRef c => HashCode.Combine(1, c.Name, c.PlanId),
        Literal l => HashCode.Combine(2, l.TypeName, l.Value is byte[] bytes ? bytes.Length : l.Value?.GetHashCode() ?? 0),
        Alias a => HashCode.Combine(3, a.Name, GetHashCode(a.Child)),
        BinaryExpr b => HashCode.Combine(4, b.Op, GetHashCode(b.Left), GetHashCode(b.Right)),
        UnaryExpr u => HashCode.Combine(5, u.Op, GetHashCode(u.Child)),
        CastExpr c => HashCode.Combine(6, c.TypeName, GetHashCode(c.Child)),
        GetField g => HashCode.Combine(7, g.Field, GetHashCode(g.Child)),
        FunctionCall f => HashCode.Combine(8, f.Name, f.Args.Count, f.Args.Count > 0 ? GetHashCode(f.Args[0]) : 0),
        CaseWhen w => HashCode.Combine(9, w.Branches.Count, w.Else is null ? 0 : GetHashCode(w.Else)),
        _ => e.GetType().GetHashCode(),
    };
}
