namespace OrleansStream.Engine.Logical;

/// <summary>What the expressions of a logical plan refer to, read before planning.</summary>
internal static class PlanReferences
{
    /// <summary>The plan ids that column references anywhere in <paramref name="plan"/> carry (<c>df.Col("id")</c>).</summary>
    public static HashSet<long> PlanIds(LogicalPlan plan)
    {
        var ids = new HashSet<long>();
        Visit(plan, ids);
        return ids;
    }

    private static void Visit(LogicalPlan plan, HashSet<long> ids)
    {
        foreach (var e in Expressions(plan)) Collect(e, ids);
        foreach (var child in plan.Children) Visit(child, ids);
    }

    private static IEnumerable<Expr> Expressions(LogicalPlan plan) => plan switch
    {
        Project p => p.Exprs,
        Filter f => [f.Condition],
        WithColumns w => w.Exprs,
        Aggregate a => a.Grouping.Concat(a.Outputs),
        Join { Condition: { } c } => [c],
        _ => [],
    };

    private static void Collect(Expr e, HashSet<long> ids)
    {
        if (e is ColumnRef { PlanId: { } id }) ids.Add(id);
        foreach (var child in ExprTree.Children(e)) Collect(child, ids);
    }
}
