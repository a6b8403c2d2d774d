using System.Globalization;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.State;
using Microsoft.Extensions.Logging;
using OrleansStream.Interfaces.Execution;

namespace OrleansStream.Grains.State;

/// <summary>
/// A state partition's versions in the checkpoint store (DESIGN.md §5): "state/{query}/op{id}/n{N}/p{partition}/" holds
/// "{version}.delta" (keys changed in that epoch) and "{version}.snapshot" (every key) files as Arrow IPC. Version v is
/// the newest snapshot at or below v plus the deltas after it. Every file is written create-if-absent, so two
/// activations of one partition can never both write a version; versions above the last committed epoch are staged
/// attempts and are discarded before a partition loads.
/// An epoch writes only its delta. Snapshots are compacted off the commit path, as Spark's state store maintenance does:
/// once enough deltas follow the last snapshot, a background task rebuilds the last committed version from its files
/// into a fresh operator, writes it as a snapshot and then deletes what the snapshot makes unreachable.
/// </summary>
internal sealed class StateFileStore(ICheckpointStore store, ILogger logger)
{
    private const string Delta = ".delta";
    private const string Snapshot = ".snapshot";
    private long _lastSnapshot = -1;
    private Task<long> _compaction = Task.FromResult(0L);
    private long _reportedSnapshot = -1;

    /// <summary>Loads version <see cref="PartitionEpoch.LastCommitted"/> into <paramref name="op"/>; true when it was written by a different number of partitions.</summary>
    public async Task<bool> LoadAsync(IStatefulOperator op, PartitionEpoch epoch)
    {
        // A compaction still deleting old versions would pull files from under the chain this load reads.
        await _compaction.ConfigureAwait(true);
        var mine = await ListAsync(Directory(epoch, epoch.NumPartitions, epoch.Partition));
        foreach (var stale in mine.Where(f => f.Version > epoch.LastCommitted))
            await store.DeleteAsync(stale.Key, null);
        _lastSnapshot = mine.Where(f => f.Snapshot && f.Version <= epoch.LastCommitted).Select(f => f.Version).DefaultIfEmpty(-1).Max();
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
    /// Writes version <see cref="PartitionEpoch.BatchId"/>: its delta if anything changed, or a snapshot when forced (the
    /// first version after a rescale, which has no chain in the new layout). Returns the bytes written.
    /// </summary>
    public async Task<(long Bytes, bool Snapshot)> WriteAsync(IStatefulOperator op, PartitionEpoch epoch, bool forceSnapshot)
    {
        var batch = forceSnapshot ? op.Snapshot() : op.Delta();
        if (!forceSnapshot && batch.Length == 0)
        {
            op.MarkClean();
            return (0, false);
        }
        var bytes = ArrowIpc.Serialize(batch);
        var dir = Directory(epoch, epoch.NumPartitions, epoch.Partition);
        await store.PutIfAbsentAsync(dir + Name(epoch.BatchId, forceSnapshot), bytes);
        op.MarkClean();
        if (forceSnapshot) _lastSnapshot = epoch.BatchId;
        return (bytes.Length, forceSnapshot);
    }

    /// <summary>
    /// Starts compacting the last committed version into a snapshot when <see cref="PartitionEpoch.SnapshotInterval"/>
    /// versions follow the last snapshot and no compaction is running. Only committed versions are compacted: an attempt
    /// that fails is discarded, a committed version never is.
    /// </summary>
    public void CompactIfDue(PartitionEpoch epoch, Func<IStatefulOperator> createOperator)
    {
        var version = epoch.LastCommitted;
        if (!_compaction.IsCompleted || version < 0 || version - _lastSnapshot < epoch.SnapshotInterval) return;
        var dir = Directory(epoch, epoch.NumPartitions, epoch.Partition);
        _lastSnapshot = version;
        _compaction = Task.Run(() => CompactAsync(dir, version, createOperator));
    }

    /// <summary>A background snapshot finished since the last call: its version's bytes, reported once.</summary>
    public (long Bytes, bool Snapshot) TakeCompacted()
    {
        if (!_compaction.IsCompletedSuccessfully || _compaction.Result == 0 || _reportedSnapshot == _lastSnapshot) return (0, false);
        _reportedSnapshot = _lastSnapshot;
        return (_compaction.Result, true);
    }

    private async Task<long> CompactAsync(string dir, long version, Func<IStatefulOperator> createOperator)
    {
        try
        {
            var op = createOperator();
            await ApplyChainAsync(op, await ListAsync(dir), version, null);
            var bytes = ArrowIpc.Serialize(op.Snapshot());
            try
            {
                await store.PutIfAbsentAsync(dir + Name(version, true), bytes);
            }
            catch (CheckpointConflictException)
            {
                // Another activation of this partition compacted the same committed version: the same rows.
            }
            await CleanUpAsync(dir, version);
            return bytes.Length;
        }
        catch (Exception e)
        {
            // The delta chain is intact without the snapshot: the next due compaction tries again.
            logger.LogWarning(e, "Compacting state version {Version} of {Directory} into a snapshot failed", version, dir);
            return 0;
        }
    }

    // Keeps the newest committed snapshot and what follows it; older versions can never be loaded again.
    private async Task CleanUpAsync(string dir, long snapshotVersion)
    {
        foreach (var old in (await ListAsync(dir)).Where(f => f.Version < snapshotVersion)) await store.DeleteAsync(old.Key, null);
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
