using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Planning.Physical;

namespace OrleansStream.Engine.Planning;

/// <summary>
/// Spark's UnsupportedOperationChecker rules for mapGroupsWithState and flatMapGroupsWithState in a streaming query, in its
/// words: mapGroupsWithState runs alone, in Update mode, without aggregation; flatMapGroupsWithState's own output mode must
/// be the query's unless an aggregation follows it (then it must be Append, and no aggregation may precede it); several run
/// together only all in Append.
/// </summary>
internal static class GroupsWithStateRules
{
    /// <summary>Checks the plan's groups-with-state nodes; <paramref name="nodes"/> holds each keyed stage's logical node, by stage id.</summary>
    public static void Check(PhysicalPlan plan, string outputMode, IReadOnlyList<LogicalPlan> nodes)
    {
        var all = nodes.OfType<FlatMapGroupsWithState>().ToList();
        if (all.Count == 0) return;
        var maps = all.Where(n => n.IsMapGroupsWithState).ToList();
        var flats = all.Where(n => !n.IsMapGroupsWithState).ToList();
        if (maps.Count >= 2)
            throw new AnalysisException("Multiple mapGroupsWithStates are not supported on a streaming DataFrames/Datasets");
        if (maps.Count > 0 && flats.Count > 0)
            throw new AnalysisException("Mixing mapGroupsWithStates and flatMapGroupsWithStates are not supported on a streaming DataFrames/Datasets");
        if (flats.Count >= 2 && (outputMode != "append" || flats.Any(f => f.OutputMode != "append")))
            throw new AnalysisException("Multiple flatMapGroupsWithStates are not supported when they are not all in append mode or the output mode is not append on a streaming DataFrames/Datasets");
        var mode = char.ToUpperInvariant(outputMode[0]) + outputMode[1..];
        var hasAggregation = plan.KeyedStages.Any(s => s.Operator is AggregationOperatorSpec);
        foreach (var node in all)
        {
            if (node.IsMapGroupsWithState)
            {
                if (hasAggregation) throw new AnalysisException("mapGroupsWithState is not supported with aggregation on a streaming DataFrame/Dataset");
                if (outputMode != "update") throw new AnalysisException($"mapGroupsWithState is not supported with {mode} output mode on a streaming DataFrame/Dataset");
            }
            else if (!hasAggregation)
            {
                if (node.OutputMode != outputMode)
                    throw new AnalysisException($"flatMapGroupsWithState in {node.OutputMode} mode is not supported with {mode} output mode on a streaming DataFrame/Dataset");
            }
            else if (node.OutputMode == "update")
            {
                throw new AnalysisException("flatMapGroupsWithState in update mode is not supported with aggregation on a streaming DataFrame/Dataset");
            }
            else if (HasAggregationBelow(node.Child))
            {
                throw new AnalysisException("flatMapGroupsWithState in append mode is not supported after aggregation on a streaming DataFrame/Dataset");
            }
        }
    }

    private static bool HasAggregationBelow(LogicalPlan plan) => plan is Aggregate || plan.Children.Any(HasAggregationBelow);
}
