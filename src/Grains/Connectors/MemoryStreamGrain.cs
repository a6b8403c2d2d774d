using OrleansStream.Grains.Hosting;
using OrleansStream.Interfaces.Sources;

namespace OrleansStream.Grains.Connectors;

/// <summary>The log of the memory streams of one session. Persisted, so that a query replays the same entries after a silo restart.</summary>
internal sealed class MemoryStreamGrain(
    [PersistentState("memoryStreams", OrleansStreamSiloBuilderExtensions.CheckpointStorageName)] IPersistentState<MemoryStreamState> state)
    : Grain, IMemoryStreamGrain
{
    public async Task<IReadOnlyDictionary<string, long>> AddAsync(IReadOnlyList<MemoryStreamAppend> appends)
    {
        foreach (var append in appends)
        {
            if (!state.State.Streams.TryGetValue(append.StreamId, out var log)) state.State.Streams[append.StreamId] = log = new();
            log.Add(append.ArrowIpc);
        }
        await state.WriteStateAsync();
        return appends.Select(a => a.StreamId).Distinct().ToDictionary(id => id, id => (long)state.State.Streams[id].Count);
    }

    public Task<long> GetLatestOffsetAsync(string streamId) =>
        Task.FromResult((long)(state.State.Streams.GetValueOrDefault(streamId)?.Count ?? 0));

    public Task<IReadOnlyDictionary<string, long>> GetLatestOffsetsAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, long>>(state.State.Streams.ToDictionary(s => s.Key, s => (long)s.Value.Count));

    public Task<IReadOnlyList<byte[]>> ReadAsync(string streamId, long start, long end)
    {
        var log = state.State.Streams.GetValueOrDefault(streamId) ?? [];
        if (start < 0 || end > log.Count || start > end)
            throw new ArgumentOutOfRangeException(nameof(end), $"Memory stream '{streamId}' has {log.Count} entries; cannot read [{start}, {end}).");
        return Task.FromResult<IReadOnlyList<byte[]>>(log.GetRange((int)start, (int)(end - start)));
    }
}

/// <summary>The entries of every memory stream of a session.</summary>
[GenerateSerializer, Alias("OrleansStream.MemoryStreamState")]
public sealed class MemoryStreamState
{
    /// <summary>Per stream id, its entries as Arrow IPC bytes.</summary>
    [Id(0)] public Dictionary<string, List<byte[]>> Streams { get; set; } = new();
}
