using System.Globalization;

namespace OrleansStream.Engine.State;

/// <summary>
/// Where one state partition's versions live in the checkpoint store: "state/{query}/op{stage}/n{partitions}/p{partition}/".
/// The folder keeps the "op" of the days when the plan was a list of stateful operators: a chain's keyed stages have the ids
/// those operators had, so the state of a query checkpointed then is found where it was written.
/// </summary>
/// <param name="QueryKey">The query's key (escaped into one key segment).</param>
/// <param name="StageId">The keyed stage's id in the plan.</param>
/// <param name="Partition">This partition, in [0, <paramref name="NumPartitions"/>).</param>
/// <param name="NumPartitions">The stage's partitions in this run.</param>
/// <param name="NumKeyGroups">The query's key groups K (fixed at first start).</param>
public sealed record StatePartitionLocation(string QueryKey, int StageId, int Partition, int NumPartitions, int NumKeyGroups)
{
    /// <summary>The folder (a key prefix ending in '/') of partition <paramref name="partition"/> of <paramref name="partitions"/>.</summary>
    public string Directory(int partitions, int partition) =>
        string.Create(CultureInfo.InvariantCulture, $"state/{Uri.EscapeDataString(QueryKey)}/op{StageId}/n{partitions}/p{partition}/");

    /// <summary>This partition's folder.</summary>
    public string Directory() => Directory(NumPartitions, Partition);
}
