using OrleansStream.Engine.Planning;

namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>What the epoch protocol needs to know of a query: its sources, its stateful operators in chain order, its watermarks.</summary>
public sealed record EpochQuery(IReadOnlyList<EpochSource> Sources, IReadOnlyList<EpochOperator> Operators, IReadOnlyList<WatermarkSpec> Watermarks)
{
    public bool IsStateful => Operators.Count > 0;

    /// <summary>The query's shape from its physical plan; <paramref name="sourcePartitions"/> gives each source's task count.</summary>
    public static EpochQuery From(PhysicalPlan physical, string outputMode, IEnumerable<(string SourceId, int NumPartitions)> sourcePartitions) => new(
        sourcePartitions.Select(s => new EpochSource(s.SourceId, s.NumPartitions)).ToList(),
        physical.StatefulOperators.Select(op => new EpochOperator(op.Id, op.Name, EpochDuePolicy.EvictsByWatermark(op, outputMode))).ToList(),
        physical.Watermarks);
}
