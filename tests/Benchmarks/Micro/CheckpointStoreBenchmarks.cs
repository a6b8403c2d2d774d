using BenchmarkDotNet.Attributes;
using OrleansStream.Engine.Checkpointing;

namespace OrleansStream.Benchmarks.Micro;

/// <summary>
/// The file checkpoint store's writes as a state partition makes them: a delta of about a megabyte put under a new key
/// (count-1m writes 1.2 MB per partition and epoch, q5-agg 0.9 MB), and a small record replaced in place (the trigger's
/// state). Each includes the fsync, so the figures are the disk's as much as the code's.
/// </summary>
public class CheckpointStoreBenchmarks
{
    private string _root = null!;
    private FileSystemCheckpointStore _store = null!;
    private byte[] _delta = null!, _small = null!;
    private string _etag = null!;
    private int _next;

    [GlobalSetup]
    public async Task Setup()
    {
        _root = Path.Combine(Path.GetTempPath(), "os-store-bench-" + Guid.NewGuid().ToString("N")[..8]);
        _store = new FileSystemCheckpointStore(_root);
        _delta = new byte[1_200_000];
        _small = new byte[4_000];
        new Random(7).NextBytes(_delta);
        _etag = await _store.PutIfAbsentAsync("trigger/state", _small);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);

    /// <summary>A 1.2 MB record under a key not written before, then deleted (as old deltas are after a snapshot).</summary>
    [Benchmark]
    public async Task PutDelta()
    {
        var key = $"state/p0/{_next++:D20}.delta";
        await _store.PutIfAbsentAsync(key, _delta);
        await _store.DeleteAsync(key, null);
    }

    /// <summary>A 4 KB record replaced under its ETag.</summary>
    [Benchmark]
    public async Task ReplaceSmall() => _etag = await _store.ReplaceAsync("trigger/state", _small, _etag);
}
