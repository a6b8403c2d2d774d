using System.Globalization;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.State;
using OrleansStream.Interfaces.Execution;

namespace OrleansStream.Grains.State;

/// <summary>Routes an exchange writer's output to the partitions of a stateful operator.</summary>
internal static class Exchange
{
    public static string PartitionKey(string queryKey, int operatorId, int partition) =>
        string.Create(CultureInfo.InvariantCulture, $"{queryKey}|op{operatorId}|{partition}");

    /// <summary>Stages the writer's rows at the partitions they hash to, counting each stage call in <paramref name="deliveries"/>.</summary>
    public static async Task RouteAsync(IGrainFactory grains, IExchangeWriter writer, string queryKey, int operatorId, int partitions, int numKeyGroups,
        Guid attempt, long batchId, int producer, Dictionary<string, int> deliveries)
    {
        if (writer.Finish() is not { } batch) return;
        var parts = KeyGroupPartitioner.Split(batch, writer.RoutingColumns, numKeyGroups, partitions);
        var calls = new List<Task>();
        for (var p = 0; p < parts.Length; p++)
            if (parts[p] is { } part)
            {
                var key = PartitionKey(queryKey, operatorId, p);
                deliveries[key] = deliveries.GetValueOrDefault(key) + 1;
                calls.Add(grains.GetGrain<IStatePartitionGrain>(key).StageAsync(attempt, batchId, producer, ArrowIpc.Serialize(part)));
            }
        await Task.WhenAll(calls);
    }
}
