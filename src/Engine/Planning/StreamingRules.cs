using OrleansStream.Engine.Logical;

namespace OrleansStream.Engine.Planning;

/// <summary>
/// Spark's UnsupportedOperationChecker for streaming queries: which output modes each stateful operator allows, and how
/// watermarks must be defined. Every refusal names the reason in Spark's words where Spark has them.
/// </summary>
internal static class StreamingRules
{
    public static void Check(PhysicalPlan plan, string outputMode, IReadOnlyList<LogicalPlan> nodes)
    {
        var aggregations = plan.StatefulOperators.OfType<AggregationOperatorSpec>().ToList();
        if (outputMode is not ("append" or "update" or "complete"))
            throw new ArgumentException($"Unknown output mode '{outputMode}'. Accepted output modes are 'append', 'complete', 'update'.");
        if (outputMode == "complete" && aggregations.Count == 0)
            throw new AnalysisException("Complete output mode not supported when there are no streaming aggregations on streaming DataFrames/Datasets.");
        // Deduplication emits each row once, as in Append, so Spark lets an aggregation after it run in any mode.
        var onlyDeduplicationBeforeTheLast = plan.StatefulOperators.SkipLast(1).All(op => op is DeduplicationOperatorSpec);
        if (plan.StatefulOperators.Count > 1 && outputMode != "append" && !onlyDeduplicationBeforeTheLast)
            throw new AnalysisException(
                $"Multiple stateful operators ({string.Join(" -> ", nodes.Select(Describe))}) are only supported in Append output mode, not in {Capitalized(outputMode)} mode, as in Spark.");
        foreach (var agg in aggregations)
        {
            if (outputMode == "append" && !agg.UsesWatermark)
                throw new AnalysisException(
                    "Append output mode not supported when there are streaming aggregations on streaming DataFrames/DataSets without watermark: define withWatermark on the event-time column and group by it or by a window over it.");
            if (outputMode == "update" && agg.Binding.SessionKey is not null)
                throw new AnalysisException("Update output mode not supported for session window on streaming DataFrames/Datasets: use Append or Complete.");
            if (agg.Binding.SessionKey is not null && agg.Binding.Keys.Count == 1)
                throw new AnalysisException("Global aggregation with session window in streaming query is not supported.");
        }
        if (outputMode == "append")
            for (var i = 1; i < plan.StatefulOperators.Count; i++)
                if (plan.StatefulOperators[i] is AggregationOperatorSpec { UsesWatermark: false })
                    throw new AnalysisException(
                        $"The chained {Describe(nodes[i])} needs the event-time column of its input among its keys (e.g. window(window_time(window), ...)): without it Append mode can never emit.");
    }

    private static string Describe(LogicalPlan node) => node switch
    {
        Aggregate => "aggregation",
        Deduplicate { WithinWatermark: true } => "dropDuplicatesWithinWatermark",
        Deduplicate => "dropDuplicates",
        _ => node.GetType().Name,
    };

    private static string Capitalized(string mode) => char.ToUpperInvariant(mode[0]) + mode[1..];
}
