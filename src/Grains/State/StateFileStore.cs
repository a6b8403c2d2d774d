using System.Globalization;
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
/// </summary>
internal sealed class StateFileStore(ICheckpointStore store)
{
    private const string Delta = ".delta";
    private const string Snapshot = ".snapshot";

    /// <summary>Loads version <see cref="PartitionEpoch.LastCommitted"/> into <paramref name="op"/>; true when it was written by a different number of partitions.</summary>
    public async Task<bool> LoadAsync(IStatefulOperator op, PartitionEpoch epoch)
    {
        var mine = await ListAsync(Directory(epoch, epoch.NumPartitions, epoch.Partition));
        foreach (var stale in mine.Where(f => f.Version > epoch.LastCommitted))
            await store.DeleteAsync(stale.Key, null);
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

    /// <summary>Writes version <see cref="PartitionEpoch.BatchId"/>: a snapshot when due (or forced), else the delta if anything changed. Returns the bytes written.</summary>
    public async Task<(long Bytes, bool Snapshot)> WriteAsync(IStatefulOperator op, PartitionEpoch epoch, bool forceSnapshot)
    {
        var snapshot = forceSnapshot || (epoch.BatchId + 1) % epoch.SnapshotInterval == 0;
        var batch = snapshot ? op.Snapshot() : op.Delta();
        if (!snapshot && batch.Length == 0)
        {
            op.MarkClean();
            return (0, false);
        }
        var bytes = ArrowIpc.Serialize(batch);
        var dir = Directory(epoch, epoch.NumPartitions, epoch.Partition);
        await store.PutIfAbsentAsync(dir + Name(epoch.BatchId, snapshot), bytes);
        op.MarkClean();
        if (snapshot) await CleanUpAsync(dir, epoch.LastCommitted);
        return (bytes.Length, snapshot);
    }

    // Keeps the newest committed snapshot and what follows it; older versions can never be loaded again.
    private async Task CleanUpAsync(string dir, long lastCommitted)
    {
        var files = await ListAsync(dir);
        var keep = files.Where(f => f.Snapshot && f.Version <= lastCommitted).Select(f => f.Version).DefaultIfEmpty(-1).Max();
        foreach (var old in files.Where(f => f.Version < keep)) await store.DeleteAsync(old.Key, null);
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
