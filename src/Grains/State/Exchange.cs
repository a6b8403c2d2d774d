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

    public static async Task RouteAsync(IGrainFactory grains, IExchangeWriter writer, string queryKey, int operatorId, int partitions, int numKeyGroups,
        Guid attempt, long batchId, int producer)
    {
        if (writer.Finish() is not { } batch) return;
        var parts = KeyGroupPartitioner.Split(batch, writer.RoutingColumns, numKeyGroups, partitions);
        var calls = new List<Task>();
        for (var p = 0; p < parts.Length; p++)
            if (parts[p] is { } part)
                calls.Add(grains.GetGrain<IStatePartitionGrain>(PartitionKey(queryKey, operatorId, p)).StageAsync(attempt, batchId, producer, ArrowIpc.Serialize(part)));
        await Task.WhenAll(calls);
    }
}
