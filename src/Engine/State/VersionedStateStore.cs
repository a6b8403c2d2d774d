using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using Apache.Arrow;
using Apache.Arrow.Compression;
using Apache.Arrow.Ipc;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Data;

namespace OrleansStream.Engine.State;

/// <summary>
/// A state partition's versions in the checkpoint store (DESIGN.md §5–6): <see cref="StatePartitionLocation.Directory()"/>
/// holds "{version}.delta" (keys changed in that version) and "{version}.snapshot" (every key) files as Arrow IPC. Version v
/// is the newest snapshot at or below v plus the deltas after it. Every file is written create-if-absent, so two writers of
/// one partition can never both write a version; versions above the last committed one are staged attempts and are
/// discarded before a partition loads.
/// Every version writes its delta, so the chain alone always restores any committed version. The write runs in the
/// background while the next epoch runs; the caller waits for it (<see cref="WhenWrittenAsync"/>) before it reports that
/// epoch, and the query commits a version only after every partition reported so. Once enough versions follow the last
/// snapshot and their deltas add up to half of it (replaying them would cost more than reading a snapshot), a snapshot of
/// that version falls due; with a minimum interval set, no sooner than that after the last snapshot (or the load), as Spark's
/// state store maintenance snapshots at most once per maintenance interval (off by default: a query running hundreds of
/// epochs a second then piles up deltas that one snapshot replaces and deletes at once). Like Spark's maintenance it stays
/// off the commit path: the caller takes it after
/// the epoch (<see cref="TakeDueSnapshot"/>, at the latest before the state next changes) and it is written in the
/// background. The files a snapshot makes unreachable are deleted only after its version has committed (an attempt that
/// fails leaves the chain it would have shortened intact).
/// Not thread-safe: one caller drives it, and its awaits resume on the caller's context (a grain's turns), never
/// alongside the caller's other calls. The same code runs on every <see cref="ICheckpointStore"/> backend.
/// </summary>
public sealed class VersionedStateStore
{
    // Decompresses whatever a state file was written with; compresses the files of states that ask for it.
    private static readonly CompressionCodecFactory Codecs = new();
    private static readonly IpcOptions Compressed = new() { CompressionCodec = CompressionCodecType.Lz4Frame, CompressionCodecFactory = Codecs };
    private const string Delta = ".delta";
    private const string Snapshot = ".snapshot";
    private readonly ICheckpointStore _store;
    private readonly Action<Exception, string>? _onBackgroundFailure;
    private readonly TimeProvider _time;
    private long _lastSnapshot = -1;
    // When the last snapshot fell due (or the state was loaded or the store made): the minimum interval counts from here.
    private long _lastSnapshotAt;
    private long _snapshotBytes = -1;
    private long _deltaBytesSinceSnapshot;
    private bool _cleanUpPending;
    private (string? Key, long Version) _dueSnapshot;
    private long _unreportedBytes;
    // The detached deltas' latest version and encoded bytes, added by their background writes once encoded and taken by
    // the next BeginWrite: two versions' writes may be in flight at once, so both may add before one takes.
    private (long Version, long Bytes) _detachedWritten = (long.MinValue, 0);
    private readonly object _detachedGate = new();
    private Task _background = Task.CompletedTask;
    // This partition's files (key, version) as found by the last load and written since, in version order: the clean-up
    // deletes those a committed snapshot replaced from here. It listed the folder instead, and a listing opens every file
    // to check that it is whole (q12's steady state: ~1% of the CPU). Changed only on the caller's turns.
    private readonly List<(string Key, long Version)> _files = [];
    // The version of the last snapshot written: a due one once its background write succeeded (the clean-up reads it only
    // after that write ended), a forced one when begun (it is its version's own file, and the version commits only once
    // that is durable; a failed write reloads the partition).
    private long _snapshotWritten = -1;
    // Files a clean-up failed to delete, set by it when it ended: the next clean-up tries them again.
    private string[] _undeleted = [];
    /// <summary>How many versions' writes may be in flight at once: a version is begun while the one before it is still
    /// being flushed, so that one flush per epoch is not every epoch's floor.</summary>
    public const int MaxWritesInFlight = 2;
    // The versions begun and not known durable, oldest first (a failed one stays: it fails every wait through it).
    private readonly List<(long Version, Task Task)> _writes = [];
    private long _lastVersion = long.MinValue;
    private long _lastWriteMs;

    /// <summary>Creates a store over <paramref name="store"/>.</summary>
    /// <param name="store">The checkpoint store.</param>
    /// <param name="onBackgroundFailure">Told of a failure that fails nothing (a due snapshot or a clean-up that could not be
    /// written or deleted; the delta chain still restores every version), with a description; the host logs it.</param>
    /// <param name="time">The clock a snapshot's minimum interval is measured by (the system's when null).</param>
    public VersionedStateStore(ICheckpointStore store, Action<Exception, string>? onBackgroundFailure = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _onBackgroundFailure = onBackgroundFailure;
        _time = time ?? TimeProvider.System;
        _lastSnapshotAt = _time.GetTimestamp();
    }

    /// <summary>
    /// Loads version <paramref name="lastCommitted"/> (-1: none) into <paramref name="state"/> after deleting this partition's
    /// versions above it (staged attempts that never committed). When the committed state was written by
    /// <paramref name="storedPartitions"/> partitions other than <see cref="StatePartitionLocation.NumPartitions"/>, every old
    /// partition's chain is read and only the rows of the key groups this partition owns are applied. Returns true in that
    /// case: the next write must then be a snapshot (<see cref="BeginWrite"/>'s forceSnapshot), since the new layout has no chain.
    /// </summary>
    public async Task<bool> LoadAsync(IVersionedState state, StatePartitionLocation location, int storedPartitions, long lastCommitted,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(location);
        // A version still being written, a snapshot still being written or old versions still being deleted would race the
        // listing below. A failed write is why we reload; the version it meant is above the committed one and deleted here.
        await Task.WhenAll(_writes.Select(w => w.Task)).ContinueWith(_ => { }, TaskScheduler.Default);
        await _background;
        _writes.Clear();
        _lastVersion = lastCommitted;
        _cleanUpPending = false;
        _dueSnapshot = default;
        _unreportedBytes = 0;
        _detachedWritten = (long.MinValue, 0);
        var mine = await ListAsync(location.Directory(), cancellationToken);
        foreach (var stale in mine.Where(f => f.Version > lastCommitted))
            await _store.DeleteAsync(stale.Key, null, cancellationToken);
        _files.Clear();
        _files.AddRange(mine.Where(f => f.Version <= lastCommitted).OrderBy(f => f.Version).Select(f => (f.Key, f.Version)));
        _snapshotWritten = -1;
        _undeleted = [];
        _lastSnapshot = mine.Where(f => f.Snapshot && f.Version <= lastCommitted).Select(f => f.Version).DefaultIfEmpty(-1).Max();
        _snapshotBytes = -1;
        _deltaBytesSinceSnapshot = 0;
        _lastSnapshotAt = _time.GetTimestamp();
        if (lastCommitted < 0) return false;
        if (storedPartitions == location.NumPartitions)
        {
            await ApplyChainAsync(state, mine, lastCommitted, null, cancellationToken);
            return false;
        }
        // Rescaled: this partition's key groups are spread over the old partitions' files.
        for (var old = 0; old < storedPartitions; old++)
            await ApplyChainAsync(state, await ListAsync(location.Directory(storedPartitions, old), cancellationToken), lastCommitted,
                batch => state.Owned(batch, location.NumKeyGroups, location.NumPartitions, location.Partition),
                cancellationToken);
        return true;
    }

    /// <summary>
    /// Reads committed version <paramref name="version"/> of one partition into <paramref name="state"/> without changing
    /// anything in the store (the state data source): files above it (a running query's staged attempts) are ignored, never
    /// deleted. <paramref name="storedPartitions"/> is how many partitions wrote that version; the rows of every partition's
    /// chain are applied when it differs from <see cref="StatePartitionLocation.NumPartitions"/>, filtered to this
    /// partition's key groups.
    /// </summary>
    /// <exception cref="StateVersionCleanedUpException">The version is older than the oldest this partition still keeps.</exception>
    public async Task ReadVersionAsync(IVersionedState state, StatePartitionLocation location, int storedPartitions, long version,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(location);
        if (storedPartitions == location.NumPartitions)
        {
            await ApplyReadableChainAsync(state, location.Directory(), version, null, cancellationToken).ConfigureAwait(false);
            return;
        }
        for (var old = 0; old < storedPartitions; old++)
            await ApplyReadableChainAsync(state, location.Directory(storedPartitions, old), version,
                batch => state.Owned(batch, location.NumKeyGroups, location.NumPartitions, location.Partition),
                cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The oldest version the partition folder <paramref name="dir"/> can still restore: the version of its oldest file when
    /// that file is a snapshot (older versions were cleaned up), else 0 (its delta chain is whole). -1 when it holds no file.
    /// </summary>
    public async Task<long> OldestReadableVersionAsync(string dir, CancellationToken cancellationToken = default)
    {
        var files = await ListAsync(dir, cancellationToken).ConfigureAwait(false);
        return files.Count == 0 ? -1 : OldestReadable(files);
    }

    // Versions before the oldest file are gone when it is a snapshot (a clean-up deleted them); a delta chain is whole.
    private static long OldestReadable(List<(string Key, long Version, bool Snapshot)> files)
    {
        var oldest = files.MinBy(f => (f.Version, f.Snapshot ? 0 : 1));
        return oldest.Snapshot ? oldest.Version : 0;
    }

    private async Task ApplyReadableChainAsync(IVersionedState state, string dir, long version, Func<RecordBatch, RecordBatch>? filter,
        CancellationToken cancellationToken)
    {
        // A clean-up running while we read may delete deltas a newer snapshot replaced: the file then vanishes
        // (StateFileVanishedException) and the caller reads again into a fresh state.
        var listing = await ListAsync(dir, cancellationToken).ConfigureAwait(false);
        if (listing.Count > 0 && OldestReadable(listing) is var oldest && oldest > version) throw new StateVersionCleanedUpException(dir, version, oldest);
        await ApplyChainAsync(state, listing, version, filter, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts writing version <paramref name="version"/>: its delta if anything changed, or a snapshot when
    /// <paramref name="forceSnapshot"/> (the first version after a rescale, which has no chain in the new layout). The state
    /// is encoded, or its delta detached (<see cref="IVersionedState.DetachDelta"/>: then built and encoded in the
    /// background), before this returns, so the caller may change it again at once; the write runs in the background until
    /// <see cref="WhenWrittenAsync"/>, which completes only once the file is durable and fails when building, encoding or
    /// writing it failed. A snapshot merely due (every <paramref name="snapshotInterval"/> versions at least, and
    /// <paramref name="minSnapshotInterval"/> after the last one at least) is left to
    /// <see cref="TakeDueSnapshot"/>, after the epoch. Versions above <paramref name="lastCommitted"/> are kept when cleaning
    /// up. Returns the bytes written, including those of a snapshot taken since the last call and of the last version's
    /// detached delta (known once it was encoded), and whether they include a snapshot.
    /// </summary>
    /// <exception cref="InvalidOperationException"><see cref="MaxWritesInFlight"/> versions are still being written.</exception>
    public (long Bytes, bool Snapshot) BeginWrite(IVersionedState state, StatePartitionLocation location, long version, long lastCommitted,
        int snapshotInterval, bool forceSnapshot, TimeSpan minSnapshotInterval = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(location);
        _writes.RemoveAll(w => w.Task.IsCompletedSuccessfully);
        if (_writes.Count(w => !w.Task.IsCompleted) >= MaxWritesInFlight)
            throw new InvalidOperationException($"State version {_writes.First(w => !w.Task.IsCompleted).Version} is still being written, and {MaxWritesInFlight - 1} after it.");
        var dir = location.Directory();
        CleanUpIfCommitted(dir, lastCommitted);
        var written = _unreportedBytes;
        var snapshotWritten = written > 0;
        _unreportedBytes = 0;
        (long, long) encoded;
        lock (_detachedGate) (encoded, _detachedWritten) = (_detachedWritten, (long.MinValue, 0));
        var (detachedVersion, detachedBytes) = encoded;
        written += detachedBytes;
        // A delta that a snapshot at its own version replaced no longer counts towards the next snapshot.
        if (detachedVersion > _lastSnapshot) _deltaBytesSinceSnapshot += detachedBytes;
        IMemoryOwner<byte>? file = null;
        IDetachedDelta? detached = null;
        if (forceSnapshot)
        {
            file = SerializeSnapshot(state);
            snapshotWritten = true;
            _snapshotWritten = version;
            _snapshotBytes = file.Memory.Length;
            OnSnapshot(version);
        }
        else if (state.DetachDelta() is { } taken)
        {
            if (taken.Length > 0) detached = taken;
            else taken.Dispose();
        }
        // A delta of no rows may still remove a range of keys, which its schema's metadata carries.
        else if (state.Delta() is { } delta && (delta.Length > 0 || delta.Schema.HasMetadata))
        {
            file = Serialize(state, delta);
            _deltaBytesSinceSnapshot += file.Memory.Length;
        }
        if (!forceSnapshot && IsSnapshotDue(version, snapshotInterval, minSnapshotInterval))
        {
            _dueSnapshot = (dir + Name(version, true), version);
            OnSnapshot(version);
        }
        state.MarkClean();
        written += file?.Memory.Length ?? 0;
        Interlocked.Exchange(ref _lastWriteMs, 0);
        var key = dir + Name(version, forceSnapshot);
        var options = state.CompressCheckpoints ? Compressed : null;
        if (detached is not null || file is not null) _files.Add((key, version));
        // A delta encoded here is handed to the backend at once, on the caller's thread: its write blocks elsewhere (the file
        // store's write threads, the blob client's I/O), and a thread-pool hop only to start it cost every epoch a hand-off.
        _writes.Add((version, detached is not null ? Task.Run(() => WriteDetachedAsync(key, detached, options, version))
            : file is null ? Task.CompletedTask : PutAsync(key, file, Stopwatch.GetTimestamp())));
        _lastVersion = version;
        return (written, snapshotWritten);
    }

    // Builds and encodes a detached delta off the epoch's path, then writes it like any version (WhenWrittenAsync fails with
    // whatever failed here). Its bytes are counted by a later BeginWrite (added up, should two versions' writes end between two).
    private async Task WriteDetachedAsync(string key, IDetachedDelta delta, IpcOptions? options, long version)
    {
        var started = Stopwatch.GetTimestamp();
        IMemoryOwner<byte> file;
        using (delta) file = ArrowIpc.SerializePooled(delta.Build(), options, ArrowBufferPool.Shared.Arrays);
        lock (_detachedGate) _detachedWritten = (Math.Max(version, _detachedWritten.Version), _detachedWritten.Bytes + file.Memory.Length);
        await PutAsync(key, file, started).ConfigureAwait(false);
    }

    /// <summary>The last version begun (or loaded: then it is durable already); <see cref="long.MinValue"/> before any.</summary>
    public long LastVersion => _lastVersion;

    /// <summary>Completes when every version up to <paramref name="version"/> that this store began is durable (those it
    /// loaded are); rethrows a failed write's failure.</summary>
    /// <exception cref="InvalidOperationException">(In the task) <paramref name="version"/> is above <see cref="LastVersion"/>.</exception>
    public Task WhenWrittenAsync(long version)
    {
        if (version > _lastVersion)
            return Task.FromException(new InvalidOperationException($"State version {version} was not written by this store (its last is {_lastVersion})."));
        var through = _writes.Where(w => w.Version <= version).Select(w => w.Task).ToList();
        return through.Count switch { 0 => Task.CompletedTask, 1 => through[0], _ => Task.WhenAll(through) };
    }

    /// <summary>How long the last version's background write took (ms, with building and encoding a detached delta; 0 when
    /// it had nothing to write).</summary>
    public long LastWriteMs => Interlocked.Read(ref _lastWriteMs);

    /// <summary>True when <see cref="BeginWrite"/> found a snapshot due that has not been taken yet.</summary>
    public bool IsSnapshotPending => _dueSnapshot.Key is not null;

    /// <summary>Completes when the background work begun so far (a due snapshot, a clean-up) has ended, successfully or not.</summary>
    public Task WhenIdleAsync() => _background;

    /// <summary>
    /// Takes the due snapshot if <paramref name="version"/> (the version <paramref name="state"/> is at) is its version:
    /// encodes the state and writes it in the background. Call it after the epoch that found it due, and again before the
    /// state next changes, since a snapshot of a later state under this version's name would be wrong.
    /// </summary>
    public void TakeDueSnapshot(IVersionedState state, long version)
    {
        ArgumentNullException.ThrowIfNull(state);
        var (key, due) = _dueSnapshot;
        if (key is null || due != version) return;
        _dueSnapshot = default;
        var snapshot = SerializeSnapshot(state);
        _snapshotBytes = snapshot.Memory.Length;
        _unreportedBytes += snapshot.Memory.Length;
        _files.Add((key, version));
        _background = Task.Run(() => WriteSnapshotAsync(key, snapshot, version));
    }

    // In the engine's pool, not the shared one: the bytes are rented on the partition's thread and given back on a write
    // thread, and the shared pool keeps a returned array in the returning thread's own slot first, so the partition's next
    // rent found none and allocated again (a state file's size, every epoch).
    private static IMemoryOwner<byte> Serialize(IVersionedState state, RecordBatch batch) =>
        ArrowIpc.SerializePooled(batch, state.CompressCheckpoints ? Compressed : null, ArrowBufferPool.Shared.Arrays);

    // The snapshot's columns are encoded at once: their arrays go back to the pool right after.
    private static IMemoryOwner<byte> SerializeSnapshot(IVersionedState state)
    {
        var buffers = new BatchBuffers(ArrowBufferPool.Shared);
        try
        {
            return Serialize(state, state.Snapshot(buffers));
        }
        finally
        {
            buffers.ReleaseRented();
        }
    }

    // Owns the pooled bytes. The file is flushed to disk before the task completes; the time counts from started.
    private async Task PutAsync(string key, IMemoryOwner<byte> file, long started)
    {
        try
        {
            await _store.PutIfAbsentAsync(key, file.Memory).ConfigureAwait(false);
        }
        finally
        {
            file.Dispose();
            Interlocked.Exchange(ref _lastWriteMs, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    // A small state changing little (a latency-bound query) keeps its chain long; a snapshot of unknown size is due by count alone.
    private bool IsSnapshotDue(long version, int snapshotInterval, TimeSpan minSnapshotInterval) =>
        version - _lastSnapshot >= snapshotInterval && _background.IsCompleted && !IsSnapshotPending
        && (_snapshotBytes < 0 || _deltaBytesSinceSnapshot * 2 >= _snapshotBytes)
        && _time.GetElapsedTime(_lastSnapshotAt) >= minSnapshotInterval;

    // The snapshot's size is known once it is encoded: at once when forced, in TakeDueSnapshot when due.
    private void OnSnapshot(long version)
    {
        _lastSnapshot = version;
        _lastSnapshotAt = _time.GetTimestamp();
        _deltaBytesSinceSnapshot = 0;
        _cleanUpPending = true;
    }

    // Owns the pooled bytes. A due snapshot only shortens the chain: failing to write it fails nothing.
    private async Task WriteSnapshotAsync(string key, IMemoryOwner<byte> snapshot, long version)
    {
        try
        {
            await _store.PutIfAbsentAsync(key, snapshot.Memory).ConfigureAwait(false);
            _snapshotWritten = version;
        }
        catch (Exception e)
        {
            // The delta chain restores this version without the snapshot.
            _onBackgroundFailure?.Invoke(e, $"Writing state snapshot {key} failed");
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
        // Only when the snapshot was written: a failed background write leaves the chain as the way to this version.
        if (_snapshotWritten != snapshotVersion) return;
        var replaced = _files.TakeWhile(f => f.Version < snapshotVersion).Count();
        var old = _undeleted.Concat(_files.Take(replaced).Select(f => f.Key)).ToArray();
        _files.RemoveRange(0, replaced);
        _undeleted = [];
        if (old.Length == 0) return;
        _background = Task.Run(() => CleanUpAsync(dir, snapshotVersion, old));
    }

    private async Task CleanUpAsync(string dir, long snapshotVersion, string[] old)
    {
        try
        {
            for (var i = 0; i < old.Length; i++)
            {
                try
                {
                    // Files this store found or wrote: no need to ask whether each is a whole record first.
                    await _store.DeleteUncheckedAsync(old[i]).ConfigureAwait(false);
                }
                catch
                {
                    _undeleted = old[i..];
                    throw;
                }
            }
        }
        catch (Exception e)
        {
            _onBackgroundFailure?.Invoke(e, string.Create(CultureInfo.InvariantCulture, $"Deleting state versions before {snapshotVersion} in {dir} failed"));
        }
    }

    private async Task ApplyChainAsync(IVersionedState state, List<(string Key, long Version, bool Snapshot)> listing, long version,
        Func<RecordBatch, RecordBatch>? filter, CancellationToken cancellationToken)
    {
        var files = listing.Where(f => f.Version <= version).ToList();
        var from = -1L;
        foreach (var snapshot in files.Where(f => f.Snapshot).OrderByDescending(f => f.Version))
        {
            // A snapshot is written after its epoch committed: one that a crash cut short (a file system that kept its
            // length, not its data, reads as absent) leaves the deltas it would have replaced, so an older start will do.
            if (await _store.ReadAsync(snapshot.Key, cancellationToken) is not { } blob) continue;
            Apply(state, blob, filter);
            from = snapshot.Version;
            break;
        }
        foreach (var file in files.Where(f => !f.Snapshot && f.Version > from).OrderBy(f => f.Version))
            Apply(state, await _store.ReadAsync(file.Key, cancellationToken) ?? throw new StateFileVanishedException($"State file {file.Key} vanished while loading."), filter);
    }

    private static void Apply(IVersionedState state, CheckpointBlob blob, Func<RecordBatch, RecordBatch>? filter)
    {
        var batch = ArrowIpc.Deserialize(blob.Data, Codecs);
        state.Apply(filter is null ? batch : filter(batch));
    }

    // Awaits resume on the caller's context (see the class remarks), except in the background tasks.
    private async Task<List<(string Key, long Version, bool Snapshot)>> ListAsync(string dir, CancellationToken cancellationToken)
    {
        var result = new List<(string, long, bool)>();
        foreach (var key in await _store.ListAsync(dir, cancellationToken))
        {
            var name = key[dir.Length..];
            var snapshot = name.EndsWith(Snapshot, StringComparison.Ordinal);
            if (!snapshot && !name.EndsWith(Delta, StringComparison.Ordinal)) continue;
            var digits = name[..name.IndexOf('.', StringComparison.Ordinal)];
            if (long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var version)) result.Add((key, version, snapshot));
        }
        return result;
    }

    private static string Name(long version, bool snapshot) =>
        version.ToString("D20", CultureInfo.InvariantCulture) + (snapshot ? Snapshot : Delta);
}
