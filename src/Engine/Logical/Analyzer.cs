using Apache.Arrow;

namespace OrleansStream.Engine.Logical;

/// <summary>
/// Resolves a logical plan: computes every node's output schema, expanding stars and generators, and fails with an
/// <see cref="AnalysisException"/> worded as Spark words it for unknown columns, non-boolean filters, unions of different
/// widths and type mismatches.
/// </summary>
public static class Analyzer
{
    /// <summary>The output schema of <paramref name="plan"/>; <paramref name="sourceSchema"/> gives each source's schema.</summary>
    /// <exception cref="AnalysisException">The plan does not resolve.</exception>
    /// <exception cref="NotSupportedException">The plan holds a node this analyzer does not know.</exception>
    public static Schema Analyze(LogicalPlan plan, Func<SourceRelation, Schema> sourceSchema)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(sourceSchema);
        // Joins and aliases resolve through the planner, whose schemas carry the qualifiers names above them resolve by.
        if (NeedsPlanner(plan)) return Planning.QueryPlanner.Plan(plan, sourceSchema).OutputSchema;
        return plan switch
        {
            SourceRelation s => sourceSchema(s),
            LocalRelation l => AnalyzerProjection.LocalSchema(l),
            Project p => ProjectSchema(p.Exprs, Analyze(p.Child, sourceSchema)),
            Filter f => FilterSchema(f, Analyze(f.Child, sourceSchema)),
            WithColumns w => WithColumnsSchema(w, Analyze(w.Child, sourceSchema)),
            RenameColumn r => RenameSchema(r, Analyze(r.Child, sourceSchema)),
            DropColumns d => DropSchema(d, Analyze(d.Child, sourceSchema)),
            Union u => AnalyzerProjection.UnionSchema(Analyze(u.Left, sourceSchema), Analyze(u.Right, sourceSchema)),
            // Stateful nodes and watermarks resolve through the planner, which also checks their event-time rules.
            Aggregate or EventTimeWatermark or Deduplicate or TransformWithState or FlatMapGroupsWithState => Planning.QueryPlanner.Plan(plan, sourceSchema).OutputSchema,
            _ => throw new NotSupportedException($"The analyzer does not support {plan.GetType().Name} nodes."),
        };
    }

    private static bool NeedsPlanner(LogicalPlan plan) =>
        plan is Join or SubqueryAlias || PlanReferences.PlanIds(plan).Count > 0 || plan.Children.Any(NeedsPlanner);

    private static Schema ProjectSchema(IReadOnlyList<Expr> exprs, Schema input) =>
        new(AnalyzerProjection.Bind(exprs, input).SelectMany(i => i.Fields), null);

    private static Schema FilterSchema(Filter f, Schema input)
    {
        AnalyzerProjection.CheckFilter(f.Condition, input);
        return input;
    }

    private static Schema WithColumnsSchema(WithColumns w, Schema input) => ProjectSchema(AnalyzerProjection.WithColumnsList(w, input), input);

    private static Schema RenameSchema(RenameColumn r, Schema input) =>
        AnalyzerProjection.RenameList(r, input) is { } list ? ProjectSchema(list, input) : input;

    private static Schema DropSchema(DropColumns d, Schema input) =>
        AnalyzerProjection.DropList(d, input) is { } list ? ProjectSchema(list, input) : input;
}
