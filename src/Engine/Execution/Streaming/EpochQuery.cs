using OrleansStream.Engine.Planning;
using OrleansStream.Engine.Planning.Physical;

namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>What the epoch protocol needs to know of a query: its sources, its keyed stages (by stage id), its watermarks.</summary>
public sealed record EpochQuery(IReadOnlyList<EpochSource> Sources, IReadOnlyList<EpochOperator> Operators, IReadOnlyList<WatermarkSpec> Watermarks)
{
    /// <summary>
    /// The ids of the batch relations the query reads (the static side of a stream-static join) whose content can change: each
    /// epoch records the version it reads them at. They never make an epoch due by themselves.
    /// </summary>
    public IReadOnlyList<string> StaticLeaves { get; init; } = [];

    public bool IsStateful => Operators.Count > 0;

    /// <summary>Whether an epoch's source tasks may run while the epoch before it still finishes: they hand no rows to a
    /// sink (a sink keeps one attempt's rows at a time; keyed partitions keep each attempt's apart).</summary>
    public bool SourceTasksRunAhead { get; init; }

    /// <summary>The query's shape from its physical plan; <paramref name="sourcePartitions"/> gives each source's task count;
    /// <paramref name="sinkDiscardsRows"/> whether its sink is handed no rows at all (the noop sink).</summary>
    public static EpochQuery From(PhysicalPlan physical, string outputMode, IEnumerable<(string SourceId, int NumPartitions)> sourcePartitions, bool sinkDiscardsRows) => new(
        sourcePartitions.Select(s => new EpochSource(s.SourceId, s.NumPartitions)).ToList(),
        physical.KeyedStages.Select(s => new EpochOperator(s.Id, s.Operator!.Name, EpochDuePolicy.EvictsByWatermark(s.Operator, outputMode)) { UsesProcessingTimeTimers = s.Operator.UsesProcessingTimeTimers }).ToList(),
        physical.Watermarks)
    {
        SourceTasksRunAhead = !physical.SourcesOutputToSink || sinkDiscardsRows,
    };
}
