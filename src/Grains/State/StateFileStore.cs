using System.Buffers;
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
/// Every epoch writes its delta on the commit path, so the chain alone always restores any committed version. Once
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

    /// <summary>Loads version <see cref="PartitionEpoch.LastCommitted"/> into <paramref name="op"/>; true when it was written by a different number of partitions.</summary>
    public async Task<bool> LoadAsync(IStatefulOperator op, PartitionEpoch epoch)
    {
        // A snapshot still being written or old versions still being deleted would race the listing below.
        await _background.ConfigureAwait(true);
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
    /// Writes version <see cref="PartitionEpoch.BatchId"/>: its delta if anything changed, and a snapshot when forced (the
    /// first version after a rescale, which has no chain in the new layout). A snapshot merely due is left to
    /// <see cref="TakeDueSnapshot"/>, after the epoch. Returns the bytes written, including those of a snapshot taken
    /// since the last call, and whether they include a snapshot.
    /// </summary>
    public async Task<(long Bytes, bool Snapshot)> WriteAsync(IStatefulOperator op, PartitionEpoch epoch, bool forceSnapshot)
    {
        var dir = Directory(epoch, epoch.NumPartitions, epoch.Partition);
        CleanUpIfCommitted(dir, epoch.LastCommitted);
        var written = _unreportedBytes;
        var snapshotWritten = written > 0;
        _unreportedBytes = 0;
        var delta = forceSnapshot ? null : op.Delta();
        // A delta of no rows may still remove a range of keys, which its schema's metadata carries.
        if (delta is not null && (delta.Length > 0 || delta.Schema.HasMetadata))
        {
            using var bytes = ArrowIpc.SerializePooled(delta);
            await store.PutIfAbsentAsync(dir + Name(epoch.BatchId, false), bytes.Memory);
            written += bytes.Memory.Length;
            _deltaBytesSinceSnapshot += bytes.Memory.Length;
        }
        if (forceSnapshot)
        {
            var snapshot = ArrowIpc.SerializePooled(op.Snapshot());
            written += snapshot.Memory.Length;
            snapshotWritten = true;
            _snapshotBytes = snapshot.Memory.Length;
            OnSnapshot(epoch.BatchId);
            await WriteSnapshotAsync(dir + Name(epoch.BatchId, true), snapshot, rethrow: true);
        }
        else if (IsSnapshotDue(epoch))
        {
            _dueSnapshot = (dir + Name(epoch.BatchId, true), epoch.BatchId);
            OnSnapshot(epoch.BatchId);
        }
        op.MarkClean();
        return (written, snapshotWritten);
    }

    /// <summary>True when <see cref="WriteAsync"/> found a snapshot due that has not been taken yet.</summary>
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
        _background = Task.Run(() => WriteSnapshotAsync(key, snapshot, rethrow: false));
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

    // Owns the pooled bytes. A forced snapshot is the only way to its version and fails the epoch; a due one does not.
    private async Task WriteSnapshotAsync(string key, IMemoryOwner<byte> snapshot, bool rethrow)
    {
        try
        {
            await store.PutIfAbsentAsync(key, snapshot.Memory);
        }
        catch (Exception e) when (!rethrow)
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
