using OrleansStream.Engine.Checkpointing;

namespace OrleansStream.Client.Tests.Ingest;

/// <summary>
/// A real file-system checkpoint store whose ingest segment writes, or listings of an ingest's readers (a trim's first
/// step), wait while the test holds them paused: a slow log, or a trim whose listing answers later, as a blob store's does.
/// </summary>
internal sealed class PausableCheckpointStore(ICheckpointStore inner) : ICheckpointStore
{
    private volatile TaskCompletionSource _gate = Open();
    private volatile TaskCompletionSource _listings = Open();

    /// <summary>How many listings of an ingest's readers have started.</summary>
    public int ReaderListings;

    /// <summary>How many segment writes have started.</summary>
    public int SegmentWrites;

    public void Pause() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Resume() => _gate.TrySetResult();

    public void PauseReaderListings() => _listings = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ResumeReaderListings() => _listings.TrySetResult();

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

    public async Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken ct = default)
    {
        if (prefix.StartsWith("ingest/", StringComparison.Ordinal) && prefix.EndsWith("/readers/", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref ReaderListings);
            await _listings.Task.WaitAsync(ct);
        }
        return await inner.ListAsync(prefix, ct);
    }

    public Task<bool> DeleteAsync(string key, string? etag, CancellationToken ct = default) => inner.DeleteAsync(key, etag, ct);

    private static TaskCompletionSource Open()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }
}
