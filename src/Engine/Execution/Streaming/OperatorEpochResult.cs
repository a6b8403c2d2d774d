namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>What every partition of one keyed stage did in an epoch; <paramref name="OutputsToSink"/> when its output rows reached the sink.</summary>
public sealed record OperatorEpochResult(string Name, int Partitions, IReadOnlyList<PartitionStats> Results, bool OutputsToSink = false)
{
    /// <summary>Whether progress lists the operator among its state operators (see <c>KeyedOperatorSpec.ReportsState</c>).</summary>
    public bool ReportsState { get; init; } = true;
}
