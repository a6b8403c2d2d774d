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
    /// they hash to, counting each stage call in <paramref name="deliveries"/>. Each part is in arrays of
    /// <paramref name="pool"/> with an owner of its own, handed to the partition with the part: one in this silo releases
    /// them once done; a part that went to another silo only as a copy is released here once every call completed (after
    /// a failed call none is: a part whose call failed may still be on its way, and the GC takes them). The writer's batch
    /// and its owner are the caller's.
    /// </summary>
    public static async Task RouteAsync(IGrainFactory grains, ArrowBufferPool pool, IExchangeWriter writer, string queryKey, int stageId, int inputIndex, int partitions,
        int numKeyGroups, Guid attempt, long batchId, int producerStage, int producer, Dictionary<string, int> deliveries)
    {
        if (writer.Finish() is not { } batch) return;
        var parts = KeyGroupPartitioner.SplitOwned(batch, writer.RoutingColumns, numKeyGroups, partitions, pool);
        var calls = new List<Task>();
        var sent = new List<ExchangeRows>();
        for (var p = 0; p < parts.Length; p++)
            if (parts[p] is { } part)
            {
                var key = PartitionKey(queryKey, stageId, p);
                deliveries[key] = deliveries.GetValueOrDefault(key) + 1;
                var rows = new ExchangeRows(part);
                sent.Add(rows);
                calls.Add(grains.Reference<IStatePartitionGrain>(key).StageAsync(attempt, batchId, inputIndex, producerStage, producer, rows));
            }
        await Task.WhenAll(calls);
        foreach (var rows in sent)
            if (rows.SentAsCopyOnly) BatchBuffers.Release(rows.Rows);
    }
}
