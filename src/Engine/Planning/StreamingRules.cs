using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Planning.Physical;

namespace OrleansStream.Engine.Planning;

/// <summary>
/// Spark's UnsupportedOperationChecker for streaming queries: which output modes each stateful operator allows, and how
/// watermarks must be defined. Every refusal names the reason in Spark's words where Spark has them.
/// </summary>
internal static class StreamingRules
{
    /// <summary>Checks <paramref name="plan"/>; <paramref name="nodes"/> holds each keyed stage's logical node, by stage id.</summary>
    public static void Check(PhysicalPlan plan, string outputMode, IReadOnlyList<LogicalPlan> nodes)
    {
        var keyed = plan.KeyedStages;
        var aggregations = keyed.Where(s => s.Operator is AggregationOperatorSpec).ToList();
        if (outputMode is not ("append" or "update" or "complete"))
            throw new ArgumentException($"Unknown output mode '{outputMode}'. Accepted output modes are 'append', 'complete', 'update'.");
        if (outputMode == "complete" && aggregations.Count == 0)
            throw new AnalysisException("Complete output mode not supported when there are no streaming aggregations on streaming DataFrames/Datasets.");
        GroupsWithStateRules.Check(plan, outputMode, nodes);
        // Deduplication emits each row once, as in Append, so Spark lets an aggregation after it run in any mode; nothing
        // stateful may follow an aggregation outside Append.
        if (outputMode != "append" && keyed.Any(s => FedByAggregation(plan, s)))
            throw new AnalysisException(
                $"Multiple stateful operators ({string.Join(" -> ", nodes.Select(Describe))}) are only supported in Append output mode, not in {Capitalized(outputMode)} mode, as in Spark.");
        // Side by side (a union of two aggregated streams) Spark still counts them: more than one only in Append.
        if (outputMode != "append" && aggregations.Count > 1)
            throw new AnalysisException(
                $"Multiple streaming aggregations are not supported with streaming DataFrames/Datasets in {Capitalized(outputMode)} output mode: only in Append output mode, as in Spark.");
        foreach (var agg in aggregations.Select(s => (AggregationOperatorSpec)s.Operator!))
        {
            if (outputMode == "append" && !agg.UsesWatermark)
                throw new AnalysisException(
                    "Append output mode not supported when there are streaming aggregations on streaming DataFrames/DataSets without watermark: define withWatermark on the event-time column and group by it or by a window over it.");
            if (outputMode == "update" && agg.Binding.SessionKey is not null)
                throw new AnalysisException("Update output mode not supported for session window on streaming DataFrames/Datasets: use Append or Complete.");
            if (agg.Binding.SessionKey is not null && agg.Binding.Keys.Count == 1)
                throw new AnalysisException("Global aggregation with session window in streaming query is not supported.");
        }
        // Spark's UnsupportedOperationChecker: transformWithState runs in Append or Update mode.
        if (outputMode == "complete" && keyed.Any(s => s.Operator is TransformWithStateOperatorSpec))
            throw new AnalysisException("Complete output mode is not supported for transformWithState on streaming DataFrames/Datasets: use Append or Update.");
        foreach (var stage in keyed.Where(s => s.Operator is JoinOperatorSpec))
            CheckJoin((JoinOperatorSpec)stage.Operator!, outputMode);
        if (outputMode == "append")
            foreach (var stage in aggregations)
                if (stage.Operator is { UsesWatermark: false } && stage.Inputs.Any(i => plan.Stages[i.UpstreamStageId!.Value].IsKeyed))
                    throw new AnalysisException(
                        $"The chained {Describe(nodes[stage.Id])} needs the event-time column of its input among its keys (e.g. window(window_time(window), ...)): without it Append mode can never emit.");
    }

    // Spark's UnsupportedOperationChecker, in its words: Append only between two streams, and a stream-stream join needs an
    // equality between the sides (Spark's StreamingJoinStrategy); the spec checks which side may be a stream for each join
    // type and whether a stream-stream join can ever evict its state.
    private static void CheckJoin(JoinOperatorSpec spec, string outputMode)
    {
        if (spec.LeftKind == JoinInputKind.Static && spec.RightKind == JoinInputKind.Static) return;
        if (spec.IsStreamStream && outputMode != "append")
            throw new AnalysisException(
                $"Join between two streaming DataFrames/Datasets is not supported in {Capitalized(outputMode)} output mode, only in Append output mode");
        spec.CheckStreaming();
        if (spec.IsStreamStream && spec.LeftKeys.Count == 0)
            throw new AnalysisException("Stream-stream join without equality predicate is not supported.");
    }

    private static bool FedByAggregation(PhysicalPlan plan, Stage stage) =>
        stage.Inputs.Any(i => i.UpstreamStageId is { } up && plan.Stages[up].Operator is AggregationOperatorSpec);

    private static string Describe(LogicalPlan node) => node switch
    {
        Aggregate => "aggregation",
        Deduplicate { WithinWatermark: true } => "dropDuplicatesWithinWatermark",
        Deduplicate => "dropDuplicates",
        Join => "join",
        TransformWithState => "transformWithState",
        FlatMapGroupsWithState f => f.OperationName,
        _ => node.GetType().Name,
    };

    private static string Capitalized(string mode) => char.ToUpperInvariant(mode[0]) + mode[1..];

    /// <summary>Spark's rules on the logical plan of a streaming query: a stream and a batch relation are never unioned.</summary>
    public static void CheckLogical(LogicalPlan root)
    {
        if (root is Union u && IsStreaming(u.Left) != IsStreaming(u.Right))
            throw new AnalysisException("Union between streaming and batch DataFrames/Datasets is not supported");
        foreach (var child in root.Children) CheckLogical(child);
    }

    private static bool IsStreaming(LogicalPlan plan) => plan.Leaves().Any(l => l is SourceRelation { IsStreaming: true });
}
