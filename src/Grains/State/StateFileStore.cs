using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.State;
using OrleansStream.Interfaces.Execution;

namespace OrleansStream.Grains.State;

/// <summary>
/// A state partition's versions in the checkpoint store (DESIGN.md §5): "state/{query}/op{id}/n{N}/p{partition}/" holds
/// "{version}.delta" (keys changed in that epoch) and "{version}.snapshot" (every key) files as Arrow IPC. Version v is
/// the newest snapshot at or below v plus the deltas after it. Every file is written create-if-absent, so two
/// activations of one partition can never both write a version; versions above the last committed epoch are staged
/// attempts and are discarded before a partition loads.
/// Every epoch writes its delta, so the chain alone always restores any committed version. The write runs in the
/// background while the next epoch runs; the partition waits for it before it answers that epoch, and the trigger
/// commits a version only after every partition answered so. Once
/// enough versions follow the last snapshot and their deltas add up to half of it (replaying them would cost more than
/// reading a snapshot), a snapshot of that version falls due. Like Spark's state store maintenance it stays off the
/// commit path: the partition encodes it after the epoch (at the latest before the state next changes) and writes it in
/// the background. The files a snapshot makes unreachable are deleted only after its version has committed (an attempt
/// that fails leaves the chain it would have shortened intact).
/// </summary>
internal sealed class StateFileStore(ICheckpointStore store, ILogger logger)
{
    private const string Delta = ".delta";
    private const string Snapshot = ".snapshot";
    private long _lastSnapshot = -1;
    private long _snapshotBytes = -1;
    private long _deltaBytesSinceSnapshot;
    private bool _cleanUpPending;
    private (string? Key, long Version) _dueSnapshot;
    private long _unreportedBytes;
    private Task _background = Task.CompletedTask;
    private (long Version, Task Task) _lastWrite = (long.MinValue, Task.CompletedTask);
    private long _lastWriteMs;

    /// <summary>Loads version <see cref="PartitionEpoch.LastCommitted"/> into <paramref name="op"/>; true when it was written by a different number of partitions.</summary>
    public async Task<bool> LoadAsync(IStatefulOperator op, PartitionEpoch epoch)
    {
        // A version still being written, a snapshot still being written or old versions still being deleted would race the
        // listing below. A failed write is why we reload; the version it meant is above the committed one and deleted here.
        await _lastWrite.Task.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(true);
        await _background.ConfigureAwait(true);
        _lastWrite = (epoch.LastCommitted, Task.CompletedTask);
        _cleanUpPending = false;
        _dueSnapshot = default;
        _unreportedBytes = 0;
        var mine = await ListAsync(Directory(epoch, epoch.NumPartitions, epoch.Partition));
        foreach (var stale in mine.Where(f => f.Version > epoch.LastCommitted))
            await store.DeleteAsync(stale.Key, null);
        _lastSnapshot = mine.Where(f => f.Snapshot && f.Version <= epoch.LastCommitted).Select(f => f.Version).DefaultIfEmpty(-1).Max();
        _snapshotBytes = -1;
        _deltaBytesSinceSnapshot = 0;
        if (epoch.LastCommitted < 0) return false;
        if (epoch.StoredPartitions == epoch.NumPartitions)
        {
            await ApplyChainAsync(op, mine, epoch.LastCommitted, null);
            return false;
        }
        // Rescaled: this partition's key groups are spread over the old partitions' files.
        for (var old = 0; old < epoch.StoredPartitions; old++)
            await ApplyChainAsync(op, await ListAsync(Directory(epoch, epoch.StoredPartitions, old)), epoch.LastCommitted,
                batch => KeyGroupPartitioner.Owned(batch, op.StateRoutingColumns, epoch.NumKeyGroups, epoch.NumPartitions, epoch.Partition));
        return true;
    }

    /// <summary>
    /// Starts writing version <see cref="PartitionEpoch.BatchId"/>: its delta if anything changed, or a snapshot when forced
    /// (the first version after a rescale, which has no chain in the new layout). The state is encoded before this
    /// returns, so the operator may change it again at once; the write itself runs in the background until
    /// <see cref="WhenWrittenAsync"/>. A snapshot merely due is left to <see cref="TakeDueSnapshot"/>, after the epoch.
    /// Returns the bytes written, including those of a snapshot taken since the last call, and whether they include a snapshot.
    /// </summary>
    public (long Bytes, bool Snapshot) BeginWrite(IStatefulOperator op, PartitionEpoch epoch, bool forceSnapshot)
    {
        if (!_lastWrite.Task.IsCompleted) throw new InvalidOperationException($"State version {_lastWrite.Version} is still being written.");
        var dir = Directory(epoch, epoch.NumPartitions, epoch.Partition);
        CleanUpIfCommitted(dir, epoch.LastCommitted);
        var written = _unreportedBytes;
        var snapshotWritten = written > 0;
        _unreportedBytes = 0;
        IMemoryOwner<byte>? file = null;
        if (forceSnapshot)
        {
            file = ArrowIpc.SerializePooled(op.Snapshot());
            snapshotWritten = true;
            _snapshotBytes = file.Memory.Length;
            OnSnapshot(epoch.BatchId);
        }
        // A delta of no rows may still remove a range of keys, which its schema's metadata carries.
        else if (op.Delta() is { } delta && (delta.Length > 0 || delta.Schema.HasMetadata))
        {
            file = ArrowIpc.SerializePooled(delta);
            _deltaBytesSinceSnapshot += file.Memory.Length;
        }
        if (!forceSnapshot && IsSnapshotDue(epoch))
        {
            _dueSnapshot = (dir + Name(epoch.BatchId, true), epoch.BatchId);
            OnSnapshot(epoch.BatchId);
        }
        op.MarkClean();
        written += file?.Memory.Length ?? 0;
        Interlocked.Exchange(ref _lastWriteMs, 0);
        _lastWrite = (epoch.BatchId, file is null ? Task.CompletedTask : Task.Run(() => PutAsync(dir + Name(epoch.BatchId, forceSnapshot), file)));
        return (written, snapshotWritten);
    }

    /// <summary>Completes when <paramref name="version"/>, the last version begun, is durable; rethrows its write's failure.</summary>
    public Task WhenWrittenAsync(long version) => _lastWrite.Version == version
        ? _lastWrite.Task
        : Task.FromException(new StateVersionUnavailableException($"State version {version} was not written by this activation (its last is {_lastWrite.Version})."));

    /// <summary>How long the last version's background write took (ms; 0 when it had nothing to write).</summary>
    public long LastWriteMs => Interlocked.Read(ref _lastWriteMs);

    // Owns the pooled bytes. The file is flushed to disk before the task completes.
    private async Task PutAsync(string key, IMemoryOwner<byte> file)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await store.PutIfAbsentAsync(key, file.Memory).ConfigureAwait(false);
        }
        finally
        {
            file.Dispose();
            Interlocked.Exchange(ref _lastWriteMs, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    /// <summary>True when <see cref="BeginWrite"/> found a snapshot due that has not been taken yet.</summary>
    public bool IsSnapshotPending => _dueSnapshot.Key is not null;

    /// <summary>
    /// Takes the due snapshot if <paramref name="version"/> (the version the state in <paramref name="op"/> is at) is its
    /// version: encodes the state and writes it in the background. Call it after the epoch that found it due, and again
    /// before the state next changes, since a snapshot of a later state under this version's name would be wrong.
    /// </summary>
    public void TakeDueSnapshot(IStatefulOperator op, long version)
    {
        var (key, due) = _dueSnapshot;
        if (key is null || due != version) return;
        _dueSnapshot = default;
        var snapshot = ArrowIpc.SerializePooled(op.Snapshot());
        _snapshotBytes = snapshot.Memory.Length;
        _unreportedBytes += snapshot.Memory.Length;
        _background = Task.Run(() => WriteSnapshotAsync(key, snapshot));
    }

    // A small state changing little (a latency-bound query) keeps its chain long; a snapshot of unknown size is due by count alone.
    private bool IsSnapshotDue(PartitionEpoch epoch) =>
        epoch.BatchId - _lastSnapshot >= epoch.SnapshotInterval && _background.IsCompleted && !IsSnapshotPending
        && (_snapshotBytes < 0 || _deltaBytesSinceSnapshot * 2 >= _snapshotBytes);

    // The snapshot's size is known once it is encoded: at once when forced, in TakeDueSnapshot when due.
    private void OnSnapshot(long version)
    {
        _lastSnapshot = version;
        _deltaBytesSinceSnapshot = 0;
        _cleanUpPending = true;
    }

    // Owns the pooled bytes. A due snapshot only shortens the chain: failing to write it fails nothing.
    private async Task WriteSnapshotAsync(string key, IMemoryOwner<byte> snapshot)
    {
        try
        {
            await store.PutIfAbsentAsync(key, snapshot.Memory);
        }
        catch (Exception e)
        {
            // The delta chain restores this version without the snapshot.
            logger.LogWarning(e, "Writing state snapshot {Key} failed", key);
        }
        finally
        {
            snapshot.Dispose();
        }
    }

    // Once the last snapshot's version has committed, older versions can never be loaded again: delete them in the background.
    private void CleanUpIfCommitted(string dir, long lastCommitted)
    {
        if (!_cleanUpPending || _lastSnapshot > lastCommitted || !_background.IsCompleted) return;
        var snapshotVersion = _lastSnapshot;
        _cleanUpPending = false;
        _background = Task.Run(() => CleanUpAsync(dir, snapshotVersion));
    }

    private async Task CleanUpAsync(string dir, long snapshotVersion)
    {
        try
        {
            var files = await ListAsync(dir);
            // Only when the snapshot is there: a failed background write leaves the chain as the way to this version.
            if (!files.Any(f => f.Snapshot && f.Version == snapshotVersion)) return;
            foreach (var old in files.Where(f => f.Version < snapshotVersion)) await store.DeleteAsync(old.Key, null);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Deleting state versions before {Version} in {Directory} failed", snapshotVersion, dir);
        }
    }

    private async Task ApplyChainAsync(IStatefulOperator op, List<(string Key, long Version, bool Snapshot)> listing, long version, Func<Apache.Arrow.RecordBatch, Apache.Arrow.RecordBatch>? filter)
    {
        var files = listing.Where(f => f.Version <= version).ToList();
        var from = files.Where(f => f.Snapshot).Select(f => f.Version).DefaultIfEmpty(-1).Max();
        foreach (var file in files.Where(f => (f.Snapshot && f.Version == from) || (!f.Snapshot && f.Version > from)).OrderBy(f => f.Version))
        {
            var blob = await store.ReadAsync(file.Key) ?? throw new InvalidOperationException($"State file {file.Key} vanished while loading.");
            var batch = ArrowIpc.Deserialize(blob.Data);
            op.Apply(filter is null ? batch : filter(batch));
        }
    }

    private async Task<List<(string Key, long Version, bool Snapshot)>> ListAsync(string dir)
    {
        var result = new List<(string, long, bool)>();
        foreach (var key in await store.ListAsync(dir))
        {
            var name = key[dir.Length..];
            var snapshot = name.EndsWith(Snapshot, StringComparison.Ordinal);
            if (!snapshot && !name.EndsWith(Delta, StringComparison.Ordinal)) continue;
            var digits = name[..name.IndexOf('.', StringComparison.Ordinal)];
            if (long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var version)) result.Add((key, version, snapshot));
        }
        return result;
    }

    private static string Directory(PartitionEpoch epoch, int partitions, int partition) =>
        string.Create(CultureInfo.InvariantCulture, $"state/{Uri.EscapeDataString(epoch.QueryKey)}/op{epoch.OperatorId}/n{partitions}/p{partition}/");

    private static string Name(long version, bool snapshot) =>
        version.ToString("D20", CultureInfo.InvariantCulture) + (snapshot ? Snapshot : Delta);
}
