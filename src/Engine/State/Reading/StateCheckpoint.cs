using OrleansStream.Engine.Planning.Physical;

namespace OrleansStream.Engine.State.Reading;

/// <summary>
/// What the host found at a checkpoint location for the state data source: the query's physical plan and the committed
/// part of its trigger's logs. The reader reads only committed versions, so a running query's staged epoch never shows.
/// </summary>
/// <param name="Location">The checkpoint location as the user gave it (for messages).</param>
/// <param name="QueryKey">The query's checkpoint key (<see cref="StatePartitionLocation.QueryKey"/>).</param>
/// <param name="Plan">The query's physical plan (its keyed stages are the stateful operators).</param>
/// <param name="OutputMode">The query's output mode (operators are created for it).</param>
/// <param name="NumKeyGroups">The query's key groups.</param>
/// <param name="LastCommitted">The last committed batch, or -1.</param>
/// <param name="StatePartitions">Per keyed stage id: the partitions that wrote its last committed version.</param>
/// <param name="PartitionsByBatch">Per batch still in the offset log: its partitions per keyed stage id.</param>
public sealed record StateCheckpoint(string Location, string QueryKey, PhysicalPlan Plan, string OutputMode, int NumKeyGroups, long LastCommitted,
    IReadOnlyDictionary<int, int> StatePartitions, IReadOnlyDictionary<long, IReadOnlyDictionary<int, int>> PartitionsByBatch)
{
    /// <summary>The stages that keep state, in plan order: operator id i is the i-th.</summary>
    public IReadOnlyList<Stage> StatefulStages { get; } = Plan.KeyedStages.Where(s => s.Operator is { ReportsState: true }).ToList();

    /// <summary>How many partitions wrote <paramref name="stage"/>'s version <paramref name="batchId"/>.</summary>
    public int PartitionsOf(Stage stage, long batchId)
    {
        ArgumentNullException.ThrowIfNull(stage);
        return PartitionsByBatch.TryGetValue(batchId, out var byStage) && byStage.TryGetValue(stage.Id, out var n) ? n
            : StatePartitions.TryGetValue(stage.Id, out var last) ? last : 1;
    }

    /// <summary>Where partition <paramref name="partition"/> of <paramref name="partitions"/> keeps <paramref name="stage"/>'s state.</summary>
    public StatePartitionLocation PartitionLocation(Stage stage, int partition, int partitions)
    {
        ArgumentNullException.ThrowIfNull(stage);
        return new StatePartitionLocation(QueryKey, stage.Id, partition, partitions, NumKeyGroups);
    }
}
