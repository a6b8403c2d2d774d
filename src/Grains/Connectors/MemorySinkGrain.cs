using OrleansStream.Engine.Data;
using OrleansStream.Interfaces.Sinks;

namespace OrleansStream.Grains.Connectors;

/// <summary>The table of a memory sink (Spark's MemorySink): kept in memory, applied once per epoch.</summary>
internal sealed class MemorySinkGrain : Grain, IMemorySinkGrain
{
    // Versions a streaming query reading the table as a static relation may still run an epoch with (a replay reads its
    // recorded one); each is a list of the same immutable batches, so keeping a few costs little.
    private const int KeptVersions = 16;
    private List<byte[]> _batches = new();
    private readonly LinkedList<(string Version, List<byte[]> Batches)> _versions = new();
    private long _lastBatchId = -1;
    private Guid _queryId;

    private string Version => $"{_queryId:N}:{_lastBatchId}";

    public Task<bool> ApplyAsync(Guid queryId, long batchId, bool replace, byte[] arrowIpc)
    {
        if (queryId != _queryId)
        {
            _queryId = queryId;
            _batches = new();
            _lastBatchId = -1;
        }
        // A replayed epoch (crash after the sink applied it but before the commit log) must not be applied twice.
        if (batchId <= _lastBatchId) return Task.FromResult(false);
        // A new list per version: the kept versions never change.
        _batches = replace ? [arrowIpc] : [.. _batches, arrowIpc];
        _lastBatchId = batchId;
        _versions.AddLast((Version, _batches));
        if (_versions.Count > KeptVersions) _versions.RemoveFirst();
        return Task.FromResult(true);
    }

    public Task<byte[]> ReadAsync() => Task.FromResult(Serialize(_batches));

    public Task<string> GetVersionAsync() => Task.FromResult(Version);

    public Task<byte[]> ReadVersionAsync(string version)
    {
        if (version == Version) return Task.FromResult(Serialize(_batches));
        foreach (var (kept, batches) in _versions)
            if (kept == version) return Task.FromResult(Serialize(batches));
        throw new InvalidOperationException($"Version {version} of the memory table is no longer kept (the table is at {Version}).");
    }

    private static byte[] Serialize(List<byte[]> batches)
    {
        if (batches.Count == 0) return [];
        var all = batches.SelectMany(b => ArrowIpc.DeserializeMany(b)).ToList();
        return ArrowIpc.SerializeMany(all, ArrowIpc.ReadSchema(batches[0]));
    }
}
