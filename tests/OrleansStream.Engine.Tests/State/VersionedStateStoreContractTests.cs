using System.Collections.Concurrent;
using Apache.Arrow;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.State;
using OrleansStream.Engine.State.Families;
using OrleansStream.Plan.Types;
using Xunit;

namespace OrleansStream.Engine.Tests.State;

/// <summary>
/// The versioning of a state partition (deltas, snapshots, background writes, crash recovery, rescaling, clean-up) on a
/// checkpoint backend. Subclass per backend: the file system here, Azure Blob on Azurite in the grains tests (linked).
/// Uses only the engine's public surface, so that it compiles in both test projects.
/// </summary>
public abstract class VersionedStateStoreContractTests
{
    private const int KeyGroupCount = 16;

    /// <summary>A fresh, empty checkpoint store.</summary>
    protected abstract ICheckpointStore CreateStore();

    private static StatePartitionLocation At(int partition = 0, int partitions = 1) => new("queries/q 1", 0, partition, partitions, KeyGroupCount);

    [Fact]
    public async Task Load_AfterAWrittenVersion_RestoresEveryKey()
    {
        var backend = CreateStore();
        var state = new TestState();
        state.Put("a", 1).Put("b", 2).Put("日本", 3);
        var store = new VersionedStateStore(backend);
        var (bytes, snapshot) = store.BeginWrite(state, At(), 0, -1, 10, forceSnapshot: false);
        Assert.True(bytes > 0);
        Assert.False(snapshot);
        await store.WhenWrittenAsync(0);

        var restored = new TestState();
        Assert.False(await new VersionedStateStore(backend).LoadAsync(restored, At(), 1, 0));
        Assert.Equal(state.Items, restored.Items);
        Assert.Equal(["00000000000000000000.delta"], await FilesAsync(backend, At()));
    }

    // A partition whose keys an epoch did not touch must cost that epoch no file (a write and two flushes per partition).
    [Fact]
    public async Task BeginWrite_OfAVersionThatChangedNothing_WritesNoFile_AndThatVersionStillLoads()
    {
        var backend = CreateStore();
        var state = new TestState();
        var store = new VersionedStateStore(backend);
        state.Put("a", 1);
        store.BeginWrite(state, At(), 0, -1, 10, false);
        await store.WhenWrittenAsync(0);
        var (bytes, snapshot) = store.BeginWrite(state, At(), 1, 0, 10, false);
        await store.WhenWrittenAsync(1);
        Assert.Equal(0, bytes);
        Assert.False(snapshot);
        Assert.Equal(["00000000000000000000.delta"], await FilesAsync(backend, At()));

        var restored = new TestState();
        await new VersionedStateStore(backend).LoadAsync(restored, At(), 1, 1);
        Assert.Equal(state.Items, restored.Items);
    }

    [Fact]
    public async Task Load_ReadsCompressedStateFiles_AfterPlainOnesOfTheSameChain()
    {
        var backend = CreateStore();
        var state = new TestState();
        var store = new VersionedStateStore(backend);
        var repetitive = string.Concat(Enumerable.Repeat("window-", 1000));
        state.Put("a", 1).Put(repetitive, 2);
        var (plainBytes, _) = store.BeginWrite(state, At(), 0, -1, 10, false);
        await store.WhenWrittenAsync(0);
        // A state that compresses its files from version 1 on: LZ4 frames in the Arrow IPC buffers.
        state.Compress = true;
        state.Put("b", 3).Put(repetitive + "!", 4);
        var (compressedBytes, _) = store.BeginWrite(state, At(), 1, 0, 10, false);
        await store.WhenWrittenAsync(1);
        Assert.True(compressedBytes * 2 < plainBytes, $"compressed {compressedBytes} bytes, plain {plainBytes}");

        var restored = new TestState();
        Assert.False(await new VersionedStateStore(backend).LoadAsync(restored, At(), 1, 1));
        Assert.Equal(state.Items, restored.Items);
        Assert.Equal(2, restored.AppliedBatches);
    }

    [Fact]
    public async Task Load_WithNothingCommitted_LoadsNothingAndDeletesStagedVersions()
    {
        var backend = CreateStore();
        var state = new TestState().Put("a", 1);
        var store = new VersionedStateStore(backend);
        store.BeginWrite(state, At(), 0, -1, 10, false);
        await store.WhenWrittenAsync(0);

        var restored = new TestState();
        Assert.False(await new VersionedStateStore(backend).LoadAsync(restored, At(), 1, -1));
        Assert.Empty(restored.Items);
        Assert.Empty(await FilesAsync(backend, At()));
    }

    /// <summary>Leaves at <paramref name="key"/> what a crash during its create leaves behind on this backend (with the
    /// length of a whole file when <paramref name="wholeLength"/>: a power loss that kept the size and not the data);
    /// false when a create leaves nothing half done (a blob upload is all or nothing).</summary>
    protected virtual bool LeaveTornCreate(ICheckpointStore backend, string key, bool wholeLength) => false;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Load_AfterACrashDuringASnapshotWrite_RestoresTheCommittedVersionFromTheDeltas(bool wholeLength)
    {
        var backend = CreateStore();
        var state = new TestState();
        var store = new VersionedStateStore(backend);
        for (var v = 0L; v < 4; v++)
        {
            state.Put($"k{v}", v).Put("k0", 100 + v);
            if (v > 0) await store.WhenWrittenAsync(v - 1);
            store.BeginWrite(state, At(), v, v - 1, 100, false);
        }
        await store.WhenWrittenAsync(3);
        // A due snapshot of version 2, written after its epoch and committed, was cut short when the process died.
        if (!LeaveTornCreate(backend, At().Directory() + "00000000000000000002.snapshot", wholeLength)) return;

        var restored = new TestState();
        await new VersionedStateStore(backend).LoadAsync(restored, At(), 1, 3);
        Assert.Equal(state.Items, restored.Items);
    }

    [Fact]
    public async Task Load_AfterDeltasAndSnapshots_RestoresTheLastCommittedVersionFromTheNewestSnapshotAndLaterDeltas()
    {
        var backend = CreateStore();
        var state = new TestState();
        var store = new VersionedStateStore(backend);
        var expected = new Dictionary<long, SortedDictionary<string, long>>();
        var snapshots = new List<long>();
        for (var v = 0L; v < 12; v++)
        {
            // Every version adds keys, changes one and removes one: deltas stay about as big as each other.
            state.Put($"k{v}", v).Put($"x{v}", -v).Put("k0", 100 + v);
            if (v > 1) state.Remove($"x{v - 2}");
            if (v > 0) await store.WhenWrittenAsync(v - 1);
            var (_, snapshot) = store.BeginWrite(state, At(), v, v - 1, 3, false);
            if (snapshot) snapshots.Add(v - 1);
            if (store.IsSnapshotPending) store.TakeDueSnapshot(state, v);
            expected[v] = new SortedDictionary<string, long>(state.Items);
        }
        await store.WhenWrittenAsync(11);
        await store.WhenIdleAsync();
        Assert.NotEmpty(snapshots);
        var files = await FilesAsync(backend, At());
        Assert.Contains(files, f => f.EndsWith(".snapshot", StringComparison.Ordinal));
        Assert.Contains("00000000000000000011.delta", files);

        var restored = new TestState();
        await new VersionedStateStore(backend).LoadAsync(restored, At(), 1, 11);
        Assert.Equal(expected[11], restored.Items);
        // The snapshot and the deltas after it were read, not the whole chain: the first delta may be gone already.
        var newestSnapshot = files.Where(f => f.EndsWith(".snapshot", StringComparison.Ordinal)).Max()!;
        Assert.True(restored.AppliedBatches <= 1 + files.Count(f => string.CompareOrdinal(f, newestSnapshot) > 0));
    }

    // A query running many short epochs a second would otherwise encode and write its whole state every few versions: a
    // snapshot falls due no sooner than the minimum interval after the last (or the load), and the chain restores meanwhile.
    [Fact]
    public async Task Snapshot_FallsDueNoSoonerThanTheMinimumInterval_AndEveryVersionStillLoads()
    {
        var backend = CreateStore();
        var clock = new ManualClock();
        var state = new TestState();
        var store = new VersionedStateStore(backend, time: clock);
        var expected = new Dictionary<long, SortedDictionary<string, long>>();
        var snapshotVersions = new List<long>();
        for (var v = 0L; v < 14; v++)
        {
            state.Put($"k{v}", v).Put("k0", 100 + v);
            if (v > 0) await store.WhenWrittenAsync(v - 1);
            // Versions and bytes make a snapshot due from version 2 on; the clock reaches the interval only at version 9.
            if (v == 9) clock.Advance(TimeSpan.FromSeconds(10));
            store.BeginWrite(state, At(), v, v - 1, 2, false, TimeSpan.FromSeconds(10));
            if (store.IsSnapshotPending)
            {
                snapshotVersions.Add(v);
                store.TakeDueSnapshot(state, v);
            }
            expected[v] = new SortedDictionary<string, long>(state.Items);
            await store.WhenIdleAsync();
            if (v == 8)
            {
                // Nine versions and no snapshot: the chain of deltas alone restores the last.
                await store.WhenWrittenAsync(8);
                var chain = new TestState();
                await new VersionedStateStore(backend).ReadVersionAsync(chain, At(), 1, 8);
                Assert.Equal(expected[8], chain.Items);
                Assert.Equal(9, chain.AppliedBatches);
            }
        }
        await store.WhenWrittenAsync(13);
        await store.WhenIdleAsync();
        // The first snapshot's interval counts from the store's making: none until the clock moved, then one, then none
        // again until another interval has passed.
        Assert.Equal([9L], snapshotVersions);
        var files = await FilesAsync(backend, At());
        Assert.Equal(["00000000000000000009.snapshot"], files.Where(f => f.EndsWith(".snapshot", StringComparison.Ordinal)));

        // Version 13 restores from the snapshot and the four deltas after it.
        var restored = new TestState();
        await new VersionedStateStore(backend).LoadAsync(restored, At(), 1, 13);
        Assert.Equal(expected[13], restored.Items);
        Assert.Equal(5, restored.AppliedBatches);

        // Without a minimum interval the same versions snapshot by versions and bytes alone, as before.
        var eager = new VersionedStateStore(CreateStore(), time: clock);
        var eagerState = new TestState();
        var eagerSnapshots = 0;
        for (var v = 0L; v < 6; v++)
        {
            eagerState.Put($"k{v}", v).Put("k0", 100 + v);
            if (v > 0) await eager.WhenWrittenAsync(v - 1);
            eager.BeginWrite(eagerState, At(), v, v - 1, 2, false);
            if (eager.IsSnapshotPending)
            {
                eagerSnapshots++;
                eager.TakeDueSnapshot(eagerState, v);
            }
            await eager.WhenIdleAsync();
        }
        Assert.True(eagerSnapshots >= 1);
    }

    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;

        public override long GetTimestamp() => _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    }

    [Fact]
    public async Task ReadVersion_ReadsACommittedVersion_IgnoresStagedOnes_AndChangesNothing()
    {
        var backend = CreateStore();
        var state = new TestState();
        var store = new VersionedStateStore(backend);
        var expected = new Dictionary<long, SortedDictionary<string, long>>();
        for (var v = 0L; v < 4; v++)
        {
            state.Put($"k{v}", v).Put("k0", 100 + v);
            if (v > 1) state.Remove($"k{v - 1}");
            if (v > 0) await store.WhenWrittenAsync(v - 1);
            store.BeginWrite(state, At(), v, v - 1, 100, false);
            expected[v] = new SortedDictionary<string, long>(state.Items);
        }
        await store.WhenWrittenAsync(3);
        var files = await FilesAsync(backend, At());

        // Version 3 is staged (the query has committed 2): a reader of version 2 neither sees nor deletes it.
        var read = new TestState();
        await new VersionedStateStore(backend).ReadVersionAsync(read, At(), 1, 2);
        Assert.Equal(expected[2], read.Items);
        var first = new TestState();
        await new VersionedStateStore(backend).ReadVersionAsync(first, At(), 1, 0);
        Assert.Equal(expected[0], first.Items);
        Assert.Equal(files, await FilesAsync(backend, At()));
        Assert.Equal(0, await new VersionedStateStore(backend).OldestReadableVersionAsync(At().Directory()));
    }

    [Fact]
    public async Task ReadVersion_AVersionOlderThanTheSnapshotACleanUpKept_IsRefusedNamingTheOldestReadable()
    {
        var backend = CreateStore();
        var state = new TestState();
        var store = new VersionedStateStore(backend);
        for (var v = 0L; v < 12; v++)
        {
            state.Put($"k{v}", v).Put($"x{v}", -v).Put("k0", 100 + v);
            if (v > 1) state.Remove($"x{v - 2}");
            if (v > 0) await store.WhenWrittenAsync(v - 1);
            store.BeginWrite(state, At(), v, v - 1, 3, false);
            if (store.IsSnapshotPending) store.TakeDueSnapshot(state, v);
            await store.WhenIdleAsync();
        }
        await store.WhenWrittenAsync(11);
        await store.WhenIdleAsync();
        var oldest = await new VersionedStateStore(backend).OldestReadableVersionAsync(At().Directory());
        Assert.True(oldest > 0, "a clean-up removed the first versions");

        var e = await Assert.ThrowsAsync<StateVersionCleanedUpException>(() => new VersionedStateStore(backend).ReadVersionAsync(new TestState(), At(), 1, oldest - 1));
        Assert.Equal(oldest, e.OldestReadable);
        var read = new TestState();
        await new VersionedStateStore(backend).ReadVersionAsync(read, At(), 1, 11);
        Assert.Equal(state.Items, read.Items);
    }

    [Fact]
    public async Task BeginWrite_ReturnsBeforeTheWriteIsDurable_AndWritesTheStateAsItWasWhenCalled()
    {
        var backend = new GatedStore(CreateStore());
        var state = new TestState().Put("a", 1);
        var store = new VersionedStateStore(backend);
        store.BeginWrite(state, At(), 0, -1, 10, false);
        // The caller changes the state for the next epoch while the version is still being written.
        state.Put("a", 2).Put("b", 3);
        var written = store.WhenWrittenAsync(0);
        await Task.Delay(50);
        Assert.False(written.IsCompleted);
        // The next version may be begun while this one is being written (MaxWritesInFlight), a third may not; a wait for
        // the next one waits for both.
        store.BeginWrite(state, At(), 1, -1, 10, false);
        state.Put("c", 4);
        Assert.Throws<InvalidOperationException>(() => store.BeginWrite(state, At(), 2, -1, 10, false));
        var both = store.WhenWrittenAsync(1);
        Assert.False(both.IsCompleted);
        backend.Open();
        await written;
        await both;
        Assert.True(store.LastWriteMs >= 0);

        var restored = new TestState();
        await new VersionedStateStore(backend).LoadAsync(restored, At(), 1, 1);
        Assert.Equal(new SortedDictionary<string, long> { ["a"] = 2, ["b"] = 3 }, restored.Items);
        restored = new TestState();
        await new VersionedStateStore(backend).LoadAsync(restored, At(), 1, 0);
        Assert.Equal(new SortedDictionary<string, long> { ["a"] = 1 }, restored.Items);
    }

    // Two versions' writes in flight: the older one's failure fails every wait through it, though the newer one was written.
    [Fact]
    public async Task AFailedWrite_FailsTheWaitForALaterVersion_BegunWhileItWasInFlight()
    {
        var backend = new GatedStore(CreateStore()) { FailPutsOf = 0L.ToString("D20", System.Globalization.CultureInfo.InvariantCulture) };
        var state = new TestState().Put("a", 1);
        var store = new VersionedStateStore(backend);
        store.BeginWrite(state, At(), 0, -1, 10, false);
        state.Put("a", 2);
        store.BeginWrite(state, At(), 1, -1, 10, false);
        var through = store.WhenWrittenAsync(1);
        backend.Open();

        await Assert.ThrowsAsync<IOException>(() => through);
        await Assert.ThrowsAsync<IOException>(() => store.WhenWrittenAsync(1));
        await Assert.ThrowsAsync<IOException>(() => store.WhenWrittenAsync(0));
    }

    // An encoded delta is handed to the backend before BeginWrite returns, on the caller's thread: a partition's epoch
    // spends no thread-pool hop only to start its version's write.
    [Fact]
    public async Task BeginWrite_OfADelta_HandsItToTheBackendBeforeItReturns_OnTheCallersThread()
    {
        var backend = new WatchedStore(CreateStore());
        var store = new VersionedStateStore(backend);
        store.BeginWrite(new TestState().Put("a", 1), At(), 0, -1, 10, false);
        Assert.Equal([Environment.CurrentManagedThreadId], backend.PutThreads);
        await store.WhenWrittenAsync(0);

        var restored = new TestState();
        await new VersionedStateStore(backend).LoadAsync(restored, At(), 1, 0);
        Assert.Equal(new SortedDictionary<string, long> { ["a"] = 1 }, restored.Items);
    }

    [Fact]
    public async Task WhenWritten_OfAnotherVersion_Fails()
    {
        var store = new VersionedStateStore(CreateStore());
        store.BeginWrite(new TestState().Put("a", 1), At(), 0, -1, 10, false);
        await store.WhenWrittenAsync(0);
        Assert.Equal(0, store.LastVersion);
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.WhenWrittenAsync(1));
    }

    [Fact]
    public async Task Load_AfterACrashBetweenDeltaWriteAndCommit_DiscardsTheUncommittedVersion()
    {
        var backend = CreateStore();
        var state = new TestState().Put("a", 1);
        var store = new VersionedStateStore(backend);
        store.BeginWrite(state, At(), 0, -1, 10, false);
        await store.WhenWrittenAsync(0);
        state.Put("a", 2).Put("b", 2).Remove("a");
        store.BeginWrite(state, At(), 1, 0, 10, false);
        await store.WhenWrittenAsync(1);
        // The process dies before version 1 commits: a new activation reloads version 0.
        var restored = new TestState();
        var recovered = new VersionedStateStore(backend);
        await recovered.LoadAsync(restored, At(), 1, 0);
        Assert.Equal(new SortedDictionary<string, long> { ["a"] = 1 }, restored.Items);
        Assert.Equal(["00000000000000000000.delta"], await FilesAsync(backend, At()));
        await recovered.WhenWrittenAsync(0);

        // The epoch runs again, differently this time; its version is written anew (create-if-absent does not conflict).
        restored.Put("c", 3);
        recovered.BeginWrite(restored, At(), 1, 0, 10, false);
        await recovered.WhenWrittenAsync(1);
        var again = new TestState();
        await new VersionedStateStore(backend).LoadAsync(again, At(), 1, 1);
        Assert.Equal(new SortedDictionary<string, long> { ["a"] = 1, ["c"] = 3 }, again.Items);
    }

    [Fact]
    public async Task Load_AfterAFailedWrite_ReloadsTheCommittedVersion()
    {
        var backend = new GatedStore(CreateStore()) { FailPuts = true };
        backend.Open();
        var state = new TestState().Put("a", 1);
        var store = new VersionedStateStore(backend);
        store.BeginWrite(state, At(), 0, -1, 10, false);
        await Assert.ThrowsAsync<IOException>(() => store.WhenWrittenAsync(0));
        backend.FailPuts = false;
        var restored = new TestState();
        await store.LoadAsync(restored, At(), 1, -1);
        Assert.Empty(restored.Items);
        store.BeginWrite(restored.Put("b", 2), At(), 0, -1, 10, false);
        await store.WhenWrittenAsync(0);
    }

    [Fact]
    public async Task Load_OnThreePartitionsAfterTwo_GivesEachPartitionExactlyTheKeysOfItsKeyGroups()
    {
        var backend = CreateStore();
        var all = Enumerable.Range(0, 200).ToDictionary(i => $"key-{i}", i => (long)i);
        // Two partitions write versions 0 (a snapshot) and 1 (a delta that changes and removes keys) of their key groups.
        var expected = new SortedDictionary<string, long>();
        for (var p = 0; p < 2; p++)
        {
            var state = new TestState();
            foreach (var (k, v) in all.Where(kv => TestState.PartitionOf(kv.Key, KeyGroupCount, 2) == p)) state.Put(k, v);
            var store = new VersionedStateStore(backend);
            store.BeginWrite(state, At(p, 2), 0, -1, 10, forceSnapshot: true);
            await store.WhenWrittenAsync(0);
            foreach (var k in state.Items.Keys.Where(k => k.EndsWith('7')).ToList()) state.Remove(k);
            foreach (var k in state.Items.Keys.Where(k => k.EndsWith('3')).ToList()) state.Put(k, -1);
            store.BeginWrite(state, At(p, 2), 1, 0, 10, false);
            await store.WhenWrittenAsync(1);
            foreach (var kv in state.Items) expected.Add(kv.Key, kv.Value);
        }

        var union = new SortedDictionary<string, long>();
        for (var p = 0; p < 3; p++)
        {
            var state = new TestState();
            var store = new VersionedStateStore(backend);
            Assert.True(await store.LoadAsync(state, At(p, 3), 2, 1));
            Assert.All(state.Items.Keys, k => Assert.Equal(p, TestState.PartitionOf(k, KeyGroupCount, 3)));
            foreach (var kv in state.Items) union.Add(kv.Key, kv.Value);
            // The first version in the new layout is a snapshot: there is no chain under n3 to build on.
            var (_, snapshot) = store.BeginWrite(state, At(p, 3), 2, 1, 10, forceSnapshot: true);
            Assert.True(snapshot);
            await store.WhenWrittenAsync(2);
            Assert.Equal(["00000000000000000002.snapshot"], await FilesAsync(backend, At(p, 3)));
        }
        Assert.Equal(expected, union);
    }

    [Fact]
    public async Task BeginWrite_AfterASnapshotCommitted_DeletesTheVersionsBeforeIt()
    {
        var backend = CreateStore();
        var state = new TestState();
        var store = new VersionedStateStore(backend);
        long snapshotVersion = -1;
        for (var v = 0L; v < 3; v++)
        {
            state.Put($"k{v}", v);
            if (v > 0) await store.WhenWrittenAsync(v - 1);
            // Nothing commits yet (lastCommitted stays -1): clean-up must wait.
            store.BeginWrite(state, At(), v, -1, 2, false);
            if (store.IsSnapshotPending)
            {
                store.TakeDueSnapshot(state, v);
                snapshotVersion = v;
            }
        }
        await store.WhenWrittenAsync(2);
        await store.WhenIdleAsync();
        // Due by count alone (two versions since none), the first snapshot is of version 1.
        Assert.Equal(1, snapshotVersion);
        Assert.Equal(["00000000000000000000.delta", "00000000000000000001.delta", "00000000000000000001.snapshot", "00000000000000000002.delta"],
            await FilesAsync(backend, At()));

        // Version 2 commits: the next write starts deleting what the snapshot made unreachable.
        state.Put("k3", 3);
        store.BeginWrite(state, At(), 3, 2, 2, false);
        await store.WhenWrittenAsync(3);
        await store.WhenIdleAsync();
        Assert.Equal(["00000000000000000001.delta", "00000000000000000001.snapshot", "00000000000000000002.delta", "00000000000000000003.delta"],
            await FilesAsync(backend, At()));

        var restored = new TestState();
        await new VersionedStateStore(backend).LoadAsync(restored, At(), 1, 3);
        Assert.Equal(state.Items, restored.Items);
    }

    // A due snapshot is written in the background and may fail; the clean-up after its version commits must then keep the
    // deltas, the only way left to that version and the ones after it.
    [Fact]
    public async Task BeginWrite_AfterASnapshotWriteFailed_DeletesNothing_AndTheLastCommittedVersionStillLoads()
    {
        var backend = new SnapshotFailingStore(CreateStore());
        var failures = new List<string>();
        var state = new TestState();
        var store = new VersionedStateStore(backend, (_, what) => { lock (failures) failures.Add(what); });
        for (var v = 0L; v < 3; v++)
        {
            state.Put($"k{v}", v);
            if (v > 0) await store.WhenWrittenAsync(v - 1);
            store.BeginWrite(state, At(), v, -1, 2, false);
            if (store.IsSnapshotPending) store.TakeDueSnapshot(state, v);
        }
        await store.WhenWrittenAsync(2);
        await store.WhenIdleAsync();
        Assert.Contains(failures, f => f.Contains("00000000000000000001.snapshot", StringComparison.Ordinal));

        state.Put("k3", 3);
        store.BeginWrite(state, At(), 3, 2, 2, false);
        await store.WhenWrittenAsync(3);
        await store.WhenIdleAsync();
        Assert.Equal(["00000000000000000000.delta", "00000000000000000001.delta", "00000000000000000002.delta", "00000000000000000003.delta"],
            await FilesAsync(backend, At()));

        var restored = new TestState();
        await new VersionedStateStore(backend).LoadAsync(restored, At(), 1, 3);
        Assert.Equal(state.Items, restored.Items);
    }

    // The clean-up deletes from the files the store found at its load and wrote since, not from a listing: the files of
    // the run before a restart are among them, and a delete that failed is tried again by the next clean-up.
    [Fact]
    public async Task BeginWrite_AfterARestartAndASnapshot_DeletesTheEarlierRunsVersionsToo_AndRetriesAFailedDelete()
    {
        var backend = new DeleteFailingStore(CreateStore());
        var state = new TestState();
        var first = new VersionedStateStore(backend);
        for (var v = 0L; v < 3; v++)
        {
            state.Put($"k{v}", v);
            if (v > 0) await first.WhenWrittenAsync(v - 1);
            first.BeginWrite(state, At(), v, v - 1, 100, false);
        }
        await first.WhenWrittenAsync(2);

        // A restart: a new store loads version 2 and writes on, with a snapshot due at version 3.
        var restored = new TestState();
        var failures = new List<string>();
        var store = new VersionedStateStore(backend, (_, what) => { lock (failures) failures.Add(what); });
        await store.LoadAsync(restored, At(), 1, 2);
        restored.Put("k3", 3);
        store.BeginWrite(restored, At(), 3, 2, 1, false);
        Assert.True(store.IsSnapshotPending);
        store.TakeDueSnapshot(restored, 3);
        await store.WhenWrittenAsync(3);
        await store.WhenIdleAsync();

        // Version 3 commits; its clean-up fails at the first delete (and stops there, as a failing store fails them all).
        backend.FailNextDelete = true;
        restored.Put("k4", 4);
        store.BeginWrite(restored, At(), 4, 3, 100, false);
        await store.WhenWrittenAsync(4);
        await store.WhenIdleAsync();
        Assert.Contains(failures, f => f.Contains("before 3", StringComparison.Ordinal));
        Assert.Equal(5, (await FilesAsync(backend, At())).Count(f => f.EndsWith(".delta", StringComparison.Ordinal)));

        // The next snapshot's clean-up deletes those left over as well.
        restored.Put("k5", 5);
        store.BeginWrite(restored, At(), 5, 4, 1, false);
        store.TakeDueSnapshot(restored, 5);
        await store.WhenWrittenAsync(5);
        await store.WhenIdleAsync();
        restored.Put("k6", 6);
        store.BeginWrite(restored, At(), 6, 5, 100, false);
        await store.WhenWrittenAsync(6);
        await store.WhenIdleAsync();
        Assert.Equal(["00000000000000000005.delta", "00000000000000000005.snapshot", "00000000000000000006.delta"], await FilesAsync(backend, At()));

        var again = new TestState();
        await new VersionedStateStore(backend).LoadAsync(again, At(), 1, 6);
        Assert.Equal(restored.Items, again.Items);
        Assert.Equal(7, again.Items.Count);
    }

    [Fact]
    public async Task TakeDueSnapshot_OfAnotherVersion_TakesNothing()
    {
        var backend = CreateStore();
        var state = new TestState().Put("a", 1);
        var store = new VersionedStateStore(backend);
        store.BeginWrite(state, At(), 0, -1, 0, false);
        Assert.True(store.IsSnapshotPending);
        store.TakeDueSnapshot(state, 1);
        Assert.True(store.IsSnapshotPending);
        store.TakeDueSnapshot(state, 0);
        Assert.False(store.IsSnapshotPending);
        await store.WhenWrittenAsync(0);
        await store.WhenIdleAsync();
        // The snapshot's bytes are reported with the next version.
        var (bytes, snapshot) = store.BeginWrite(state, At(), 1, 0, 100, false);
        Assert.True(snapshot);
        Assert.True(bytes > 0);
        await store.WhenWrittenAsync(1);
    }

    [Fact]
    public async Task KeyedStateStore_RestartedFromASnapshotAndDeltas_RestoresEveryFamily()
    {
        var backend = CreateStore();
        var state = Families(new KeyedStateStore(s_keySchema));
        var store = new VersionedStateStore(backend);
        for (var v = 0L; v < 9; v++)
        {
            state.BatchTimestampMicros = v * 1000;
            Touch(state, v);
            if (v > 0) await store.WhenWrittenAsync(v - 1);
            store.BeginWrite(state, At(), v, v - 1, 3, false);
            if (store.IsSnapshotPending) store.TakeDueSnapshot(state, v);
        }
        await store.WhenWrittenAsync(8);
        await store.WhenIdleAsync();
        Assert.Contains(await FilesAsync(backend, At()), f => f.EndsWith(".snapshot", StringComparison.Ordinal));

        var restored = Families(new KeyedStateStore(s_keySchema));
        await new VersionedStateStore(backend).LoadAsync(restored, At(), 1, 8);
        Assert.Equal(Describe(state), Describe(restored));
        // Time to live and timers carry on from the restored state.
        Assert.Equal(state.ExpireTtl(20_000), restored.ExpireTtl(20_000));
        Assert.Equal(state.Timers.TakeExpired(TimeMode.EventTime, 5), restored.Timers.TakeExpired(TimeMode.EventTime, 5));
        Assert.Equal(Describe(state), Describe(restored));
    }

    [Fact]
    public async Task KeyedStateStore_OnThreePartitionsAfterTwo_GivesEachPartitionEveryFamilyOfItsKeyGroups()
    {
        var backend = CreateStore();
        var whole = Families(new KeyedStateStore(s_keySchema));
        for (var v = 0L; v < 3; v++) Touch(whole, v);
        // Each old partition holds the same changes, for its own keys only.
        for (var p = 0; p < 2; p++)
        {
            var state = Families(new KeyedStateStore(s_keySchema));
            var store = new VersionedStateStore(backend);
            for (var v = 0L; v < 3; v++)
            {
                Touch(state, v, key => TestState.PartitionOf(key, KeyGroupCount, 2) == p);
                if (v > 0) await store.WhenWrittenAsync(v - 1);
                store.BeginWrite(state, At(p, 2), v, v - 1, 10, forceSnapshot: v == 0);
            }
            await store.WhenWrittenAsync(2);
        }

        var union = new List<string>();
        for (var p = 0; p < 3; p++)
        {
            var state = Families(new KeyedStateStore(s_keySchema));
            Assert.True(await new VersionedStateStore(backend).LoadAsync(state, At(p, 3), 2, 2));
            var lines = Describe(state);
            Assert.All(lines, line => Assert.Equal(p, TestState.PartitionOf(line.Split(' ')[1], KeyGroupCount, 3)));
            union.AddRange(lines);
        }
        Assert.Equal(Describe(whole), union.Order(StringComparer.Ordinal));
    }

    // A keyed state's delta is detached at BeginWrite and built and encoded in the background, where the next epoch may
    // already have changed every family: the version written is still the state as BeginWrite found it.
    [Fact]
    public async Task BeginWrite_OfADetachedDelta_BuildsItInTheBackground_AsTheStateWasWhenCalled()
    {
        var backend = CreateStore();
        var state = Families(new KeyedStateStore(s_keySchema));
        var gated = new GatedDeltas(state);
        var store = new VersionedStateStore(backend);
        Touch(state, 0);
        var (first, _) = store.BeginWrite(gated, At(), 0, -1, 10, false);
        gated.Release();
        await store.WhenWrittenAsync(0);
        Touch(state, 1);
        var expected = Describe(state);
        var (bytes, snapshot) = store.BeginWrite(gated, At(), 1, 0, 10, false);
        // A detached delta's bytes are known once it is encoded: they are counted with the next version.
        Assert.Equal(0, first);
        Assert.True(bytes > 0);
        Assert.False(snapshot);
        Touch(state, 2);
        var written = store.WhenWrittenAsync(1);
        await Task.Delay(50);
        Assert.False(written.IsCompleted);
        gated.Release();
        await written;
        Assert.Equal(["00000000000000000000.delta", "00000000000000000001.delta"], await FilesAsync(backend, At()));

        var restored = Families(new KeyedStateStore(s_keySchema));
        await new VersionedStateStore(backend).LoadAsync(restored, At(), 1, 1);
        Assert.Equal(expected, Describe(restored));
    }

    // Building or encoding runs after BeginWrite returned: its failure fails the version as a failed write does (the epoch
    // after it then fails, and the partition reloads the last committed version), and no file of it is left.
    [Fact]
    public async Task BeginWrite_WhenBuildingADetachedDeltaFails_TheVersionFails_AndTheCommittedOneReloads()
    {
        var backend = CreateStore();
        var state = Families(new KeyedStateStore(s_keySchema));
        var gated = new GatedDeltas(state);
        var store = new VersionedStateStore(backend);
        Touch(state, 0);
        store.BeginWrite(gated, At(), 0, -1, 10, false);
        gated.Release();
        await store.WhenWrittenAsync(0);
        var committed = Describe(state);
        Touch(state, 1);
        gated.Fail = true;
        store.BeginWrite(gated, At(), 1, 0, 10, false);
        gated.Release();
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => store.WhenWrittenAsync(1));
        Assert.Equal("Encoding the delta failed.", e.Message);
        Assert.Equal(["00000000000000000000.delta"], await FilesAsync(backend, At()));

        var restored = Families(new KeyedStateStore(s_keySchema));
        await store.LoadAsync(restored, At(), 1, 0);
        Assert.Equal(committed, Describe(restored));
        // The epoch runs again on the reloaded state and its version is written.
        gated.Fail = false;
        Touch(restored, 1);
        var again = new GatedDeltas(restored);
        store.BeginWrite(again, At(), 1, 0, 10, false);
        again.Release();
        await store.WhenWrittenAsync(1);
        var reread = Families(new KeyedStateStore(s_keySchema));
        await new VersionedStateStore(backend).LoadAsync(reread, At(), 1, 1);
        Assert.Equal(Describe(restored), Describe(reread));
    }

    private static readonly Schema s_keySchema = DataTypes.ParseSchema("k string");

    private static KeyedStateStore Families(KeyedStateStore state)
    {
        state.GetValueState("value", TimeSpan.FromMilliseconds(10));
        state.GetListState("list");
        state.GetMapState("map");
        return state;
    }

    private static StateKey KeyOf(KeyedStateStore state, string key) =>
        state.Key([ArrowValues.FromRows(s_keySchema, [[key]]).Column(0)], 0);

    private static byte[] Bytes(string s) => System.Text.Encoding.UTF8.GetBytes(s);

    // Version v's changes to 40 keys in every family, restricted to the keys <paramref name="mine"/> accepts.
    private static void Touch(KeyedStateStore state, long v, Func<string, bool>? mine = null)
    {
        for (var i = 0; i < 40; i++)
        {
            var name = $"key-{i}";
            if (mine is not null && !mine(name)) continue;
            var key = KeyOf(state, name);
            if ((i + v) % 3 == 0) state.GetValueState("value", TimeSpan.FromMilliseconds(10)).Update(key, Bytes($"v{v}"));
            if ((i + v) % 5 == 0) state.GetValueState("value", TimeSpan.FromMilliseconds(10)).Clear(key);
            if (i % 2 == 0) state.GetListState("list").Append(key, Bytes($"{v}"));
            if ((i + v) % 7 == 0) state.GetListState("list").Clear(key);
            state.GetMapState("map").Put(key, new StateKey(Bytes($"e{(i + v) % 4}")), Bytes($"{v}"));
            if (i % 3 == 0) state.GetMapState("map").Remove(key, new StateKey(Bytes($"e{v % 4}")));
            state.Timers.Register(key, i % 2 == 0 ? TimeMode.EventTime : TimeMode.ProcessingTime, v * 2 + i % 3);
            if ((i + v) % 4 == 0) state.Timers.Delete(key, TimeMode.EventTime, v * 2 - 2 + i % 3);
        }
    }

    // Every family's content per key, one line each, sorted.
    private static List<string> Describe(KeyedStateStore state)
    {
        var lines = new List<string>();
        var keys = Enumerable.Range(0, 40).Select(i => $"key-{i}");
        foreach (var name in keys)
        {
            var key = KeyOf(state, name);
            if (state.GetValueState("value", TimeSpan.FromMilliseconds(10)).Get(key) is { } value) lines.Add($"value {name} {S(value)}");
            if (state.GetListState("list").Get(key) is { Count: > 0 } list) lines.Add($"list {name} {string.Join(",", list.Select(S))}");
            foreach (var (entry, v) in state.GetMapState("map").Entries(key)) lines.Add($"map {name} {S(entry.Bytes.ToArray())}={S(v)}");
            foreach (var mode in new[] { TimeMode.EventTime, TimeMode.ProcessingTime })
                foreach (var t in state.Timers.List(key, mode)) lines.Add($"timer {name} {mode}@{t}");
        }
        return lines.Order(StringComparer.Ordinal).ToList();
    }

    private static string S(byte[] b) => System.Text.Encoding.UTF8.GetString(b);

    private static async Task<List<string>> FilesAsync(ICheckpointStore backend, StatePartitionLocation location)
    {
        var dir = location.Directory();
        return (await backend.ListAsync(dir)).Select(k => k[dir.Length..]).ToList();
    }

    /// <summary>A keyed state of string keys and bigint values: the smallest <see cref="IVersionedState"/>.</summary>
    private sealed class TestState : IVersionedState
    {
        private static readonly Schema s_schema = DataTypes.ParseSchema("__deleted boolean NOT NULL, k string, v bigint");
        private readonly HashSet<string> _changed = new(StringComparer.Ordinal);

        public SortedDictionary<string, long> Items { get; } = new(StringComparer.Ordinal);

        public int AppliedBatches { get; private set; }

        public TestState Put(string key, long value)
        {
            Items[key] = value;
            _changed.Add(key);
            return this;
        }

        public TestState Remove(string key)
        {
            Items.Remove(key);
            _changed.Add(key);
            return this;
        }

        public IReadOnlyList<int> StateRoutingColumns { get; } = [1];

        public bool Compress { get; set; }

        public bool CompressCheckpoints => Compress;

        public RecordBatch Delta() => ArrowValues.FromRows(s_schema, _changed.Order(StringComparer.Ordinal)
            .Select(k => Items.TryGetValue(k, out var v) ? new object?[] { false, k, v } : [true, k, null]).ToList());

        public RecordBatch Snapshot() => ArrowValues.FromRows(s_schema, Items.Select(kv => new object?[] { false, kv.Key, kv.Value }).ToList());

        public void MarkClean() => _changed.Clear();

        public void Apply(RecordBatch stateRows)
        {
            AppliedBatches++;
            foreach (var row in ArrowValues.ToRows(stateRows))
            {
                if ((bool)row[0]!) Items.Remove((string)row[1]!);
                else Items[(string)row[1]!] = (long)row[2]!;
            }
        }

        public static int PartitionOf(string key, int numKeyGroups, int numPartitions)
        {
            var batch = ArrowValues.FromRows(s_schema, [[false, key, 0L]]);
            var split = KeyGroupPartitioner.Split(batch, [1], numKeyGroups, numPartitions);
            return System.Array.FindIndex(split, b => b is { Length: > 0 });
        }
    }

    /// <summary>A keyed state whose detached deltas are built only once <see cref="Release"/> lets one through (and then fail
    /// while <see cref="Fail"/>).</summary>
    private sealed class GatedDeltas(KeyedStateStore state) : IVersionedState
    {
        private readonly SemaphoreSlim _gate = new(0);

        public bool Fail { get; set; }

        public void Release() => _gate.Release();

        public IReadOnlyList<int> StateRoutingColumns => state.StateRoutingColumns;

        public RecordBatch Delta() => state.Delta();

        public RecordBatch Snapshot() => state.Snapshot();

        public void MarkClean() => state.MarkClean();

        public void Apply(RecordBatch stateRows) => state.Apply(stateRows);

        public IDetachedDelta DetachDelta() => new Gated(this, state.DetachDelta());

        private sealed class Gated(GatedDeltas owner, IDetachedDelta inner) : IDetachedDelta
        {
            public int Length => inner.Length;

            public RecordBatch Build()
            {
                // A background thread of the store's: waiting here holds up only the version's write.
                owner._gate.Wait(TimeSpan.FromMinutes(1));
                return owner.Fail ? throw new InvalidDataException("Encoding the delta failed.") : inner.Build();
            }

            public void Dispose() => inner.Dispose();
        }
    }

    /// <summary>A backend on which every snapshot write fails (a full disk, a lost connection), deltas and the rest pass.</summary>
    private sealed class SnapshotFailingStore(ICheckpointStore inner) : ICheckpointStore
    {
        public Task<string> PutIfAbsentAsync(string key, ReadOnlyMemory<byte> data, CancellationToken ct = default) =>
            key.EndsWith(".snapshot", StringComparison.Ordinal)
                ? throw new IOException($"Writing '{key}' failed.")
                : inner.PutIfAbsentAsync(key, data, ct);

        public Task<CheckpointBlob?> ReadAsync(string key, CancellationToken ct = default) => inner.ReadAsync(key, ct);

        public Task<string> ReplaceAsync(string key, ReadOnlyMemory<byte> data, string etag, CancellationToken ct = default) => inner.ReplaceAsync(key, data, etag, ct);

        public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken ct = default) => inner.ListAsync(prefix, ct);

        public Task<bool> DeleteAsync(string key, string? etag, CancellationToken ct = default) => inner.DeleteAsync(key, etag, ct);
    }

    /// <summary>A backend whose next delete fails once <see cref="FailNextDelete"/> is set.</summary>
    private sealed class DeleteFailingStore(ICheckpointStore inner) : ICheckpointStore
    {
        public bool FailNextDelete { get; set; }

        public Task<string> PutIfAbsentAsync(string key, ReadOnlyMemory<byte> data, CancellationToken ct = default) => inner.PutIfAbsentAsync(key, data, ct);

        public Task<CheckpointBlob?> ReadAsync(string key, CancellationToken ct = default) => inner.ReadAsync(key, ct);

        public Task<string> ReplaceAsync(string key, ReadOnlyMemory<byte> data, string etag, CancellationToken ct = default) => inner.ReplaceAsync(key, data, etag, ct);

        public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken ct = default) => inner.ListAsync(prefix, ct);

        public Task<bool> DeleteAsync(string key, string? etag, CancellationToken ct = default)
        {
            if (!FailNextDelete) return inner.DeleteAsync(key, etag, ct);
            FailNextDelete = false;
            throw new IOException($"Deleting '{key}' failed.");
        }
    }

    /// <summary>A backend that records the thread each put was called on.</summary>
    private sealed class WatchedStore(ICheckpointStore inner) : ICheckpointStore
    {
        private readonly ConcurrentQueue<int> _putThreads = new();

        public IReadOnlyList<int> PutThreads => _putThreads.ToList();

        public Task<string> PutIfAbsentAsync(string key, ReadOnlyMemory<byte> data, CancellationToken ct = default)
        {
            _putThreads.Enqueue(Environment.CurrentManagedThreadId);
            return inner.PutIfAbsentAsync(key, data, ct);
        }

        public Task<CheckpointBlob?> ReadAsync(string key, CancellationToken ct = default) => inner.ReadAsync(key, ct);

        public Task<string> ReplaceAsync(string key, ReadOnlyMemory<byte> data, string etag, CancellationToken ct = default) => inner.ReplaceAsync(key, data, etag, ct);

        public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken ct = default) => inner.ListAsync(prefix, ct);

        public Task<bool> DeleteAsync(string key, string? etag, CancellationToken ct = default) => inner.DeleteAsync(key, etag, ct);
    }

    /// <summary>A backend whose puts wait until <see cref="Open"/> (and fail while <see cref="FailPuts"/>).</summary>
    private sealed class GatedStore(ICheckpointStore inner) : ICheckpointStore
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool FailPuts { get; set; }

        /// <summary>Fails only the puts of keys that contain this (null: as <see cref="FailPuts"/> says).</summary>
        public string? FailPutsOf { get; set; }

        public void Open() => _gate.TrySetResult();

        public async Task<string> PutIfAbsentAsync(string key, ReadOnlyMemory<byte> data, CancellationToken ct = default)
        {
            await _gate.Task;
            if (FailPuts || (FailPutsOf is { } part && key.Contains(part, StringComparison.Ordinal))) throw new IOException($"Writing '{key}' failed.");
            return await inner.PutIfAbsentAsync(key, data, ct);
        }

        public Task<CheckpointBlob?> ReadAsync(string key, CancellationToken ct = default) => inner.ReadAsync(key, ct);

        public Task<string> ReplaceAsync(string key, ReadOnlyMemory<byte> data, string etag, CancellationToken ct = default) => inner.ReplaceAsync(key, data, etag, ct);

        public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken ct = default) => inner.ListAsync(prefix, ct);

        public Task<bool> DeleteAsync(string key, string? etag, CancellationToken ct = default) => inner.DeleteAsync(key, etag, ct);
    }
}
