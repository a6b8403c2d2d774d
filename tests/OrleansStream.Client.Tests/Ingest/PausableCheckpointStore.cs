using OrleansStream.Engine.Checkpointing;

namespace OrleansStream.Client.Tests.Ingest;

/// <summary>A real file-system checkpoint store whose ingest segment writes wait while the test holds them paused: a slow log.</summary>
internal sealed class PausableCheckpointStore(ICheckpointStore inner) : ICheckpointStore
{
    private volatile TaskCompletionSource _gate = Open();

    /// <summary>How many segment writes have started.</summary>
    public int SegmentWrites;

    public void Pause() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Resume() => _gate.TrySetResult();

    public async Task<string> PutIfAbsentAsync(string key, ReadOnlyMemory<byte> data, CancellationToken ct = default)
    {
        if (key.StartsWith("ingest/", StringComparison.Ordinal) && key.EndsWith(".arrow", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref SegmentWrites);
            await _gate.Task.WaitAsync(ct);
        }
        return await inner.PutIfAbsentAsync(key, data, ct);
    }

    public Task<CheckpointBlob?> ReadAsync(string key, CancellationToken ct = default) => inner.ReadAsync(key, ct);
    public Task<string> ReplaceAsync(string key, ReadOnlyMemory<byte> data, string etag, CancellationToken ct = default) => inner.ReplaceAsync(key, data, etag, ct);
    public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken ct = default) => inner.ListAsync(prefix, ct);
    public Task<bool> DeleteAsync(string key, string? etag, CancellationToken ct = default) => inner.DeleteAsync(key, etag, ct);

    private static TaskCompletionSource Open()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }
}
