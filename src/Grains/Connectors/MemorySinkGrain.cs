using OrleansStream.Engine.Data;
using OrleansStream.Interfaces.Sinks;

namespace OrleansStream.Grains.Connectors;

/// <summary>The table of a memory sink (Spark's MemorySink): kept in memory, applied once per epoch.</summary>
internal sealed class MemorySinkGrain : Grain, IMemorySinkGrain
{
    private readonly List<byte[]> _batches = new();
    private long _lastBatchId = -1;
    private Guid _queryId;

    public Task<bool> ApplyAsync(Guid queryId, long batchId, bool replace, byte[] arrowIpc)
    {
        if (queryId != _queryId)
        {
            _queryId = queryId;
            _batches.Clear();
            _lastBatchId = -1;
        }
        // A replayed epoch (crash after the sink applied it but before the commit log) must not be applied twice.
        if (batchId <= _lastBatchId) return Task.FromResult(false);
        if (replace) _batches.Clear();
        _batches.Add(arrowIpc);
        _lastBatchId = batchId;
        return Task.FromResult(true);
    }

    public Task<byte[]> ReadAsync()
    {
        if (_batches.Count == 0) return Task.FromResult(Array.Empty<byte>());
        var batches = _batches.SelectMany(b => ArrowIpc.DeserializeMany(b)).ToList();
        return Task.FromResult(ArrowIpc.SerializeMany(batches, ArrowIpc.ReadSchema(_batches[0])));
    }
}
