using System.Collections.Concurrent;
using System.Globalization;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.State;
using OrleansStream.Interfaces.Execution;
using OrleansStream.Grains.Execution;

namespace OrleansStream.Grains.State;

/// <summary>Routes an exchange writer's output to the partitions of a keyed stage.</summary>
internal static class Exchange
{
    // Every epoch routes to, and waits on, the same few partitions: their keys are made once, not once a call. Bounded: a
    // silo that ran many queries forgets them all now and then.
    private static readonly ConcurrentDictionary<(string QueryKey, int StageId, int Partition), string> Keys = new();
    private const int MaxKeys = 4096;

    /// <summary>The grain key of partition <paramref name="partition"/> of keyed stage <paramref name="stageId"/>.</summary>
    public static string PartitionKey(string queryKey, int stageId, int partition)
    {
        if (Keys.TryGetValue((queryKey, stageId, partition), out var key)) return key;
        if (Keys.Count >= MaxKeys) Keys.Clear();
        return Keys.GetOrAdd((queryKey, stageId, partition), static k => string.Create(CultureInfo.InvariantCulture, $"{k.QueryKey}|stage{k.StageId}|{k.Partition}"));
    }

    /// <summary>
    /// Stages the writer's rows for input <paramref name="inputIndex"/> of stage <paramref name="stageId"/> at the partitions
    /// they hash to, counting each stage call in <paramref name="deliveries"/>. Each part's bytes are lent from
    /// <paramref name="pool"/>: a partition in this silo that is done with them gives the array back.
    /// </summary>
    public static async Task RouteAsync(IGrainFactory grains, ArrowBufferPool pool, IExchangeWriter writer, string queryKey, int stageId, int inputIndex, int partitions,
        int numKeyGroups, Guid attempt, long batchId, int producerStage, int producer, Dictionary<string, int> deliveries)
    {
        if (writer.Finish() is not { } batch) return;
        // A writer's batch in arrays of the epoch's owner (released once everything is shipped) has its parts rented there too.
        var parts = KeyGroupPartitioner.Split(batch, writer.RoutingColumns, numKeyGroups, partitions, BatchBuffers.Of(batch));
        var calls = new List<Task>();
        for (var p = 0; p < parts.Length; p++)
            if (parts[p] is { } part)
            {
                var key = PartitionKey(queryKey, stageId, p);
                deliveries[key] = deliveries.GetValueOrDefault(key) + 1;
                calls.Add(grains.Reference<IStatePartitionGrain>(key).StageAsync(attempt, batchId, inputIndex, producerStage, producer, pool.Lend(part)));
            }
        await Task.WhenAll(calls);
    }
}
