using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace OrleansStream.Engine.Checkpointing;

/// <summary>
/// A checkpoint store on the local file system under a root directory. A record created is a <see cref="CreatedRecord"/>
/// file (header with a random 16-byte version, the data, an XxHash128), created under its key exclusively (O_CREAT | O_EXCL:
/// create-if-absent in every process), written and flushed with fdatasync, and its directory flushed after it unless the
/// file system makes a new file's name durable with the file's flush (<see cref="NewEntryFlush"/>): a record written
/// survives a power loss, not only a crash of the process. A create that a crash cut short leaves a torn file,
/// which is no record (not listed, read as absent) and which the next create of the key replaces; a whole one is a
/// conflict. The ETag is the hex of the version, so it changes on every write and every process reads the same ETag from
/// the same file. A record replaced becomes a <see cref="SlottedRecord"/> file (two slots, each write to the one not in
/// use, data flushed): a record rewritten every epoch (the trigger's offset and commit logs) costs one data flush instead
/// of a new file; a record that outgrows its slots is written to a temp file, flushed, renamed over the old one and its
/// directory flushed. Records of the format before ("OSC1": a temp file renamed into place) are still read.
/// Operations on one key are serialised by a lock in the process and an exclusive lock file across processes, held by a
/// create from the file's creation to its flush (so a file under the lock that is not whole is torn, never still being
/// written). Keys hash to one of <see cref="LockStripes"/> locks, so the lock files stay few however many keys come and go;
/// on Linux each lock file is opened once and kept (<see cref="StripeLocks"/>).
/// Internal files live under ".os-*" folders.
/// </summary>
public sealed class FileSystemCheckpointStore : ICheckpointStore, IDisposable
{
    // A record created before created records were written in place ("OSC1"): a 16-byte version, the data. Still read.
    private static readonly byte[] Magic = "OSC1"u8.ToArray();
    private const int HeaderLength = 4 + 16;
    private const string LockDir = ".os-locks";
    private const string TempDir = ".os-tmp";
    private const int LockStripes = 256;
    private const int KnownFolders = 4096;

    private readonly StripeLocks _locks;
    private readonly ConcurrentDictionary<string, byte> _folders = new(StringComparer.Ordinal);

    /// <summary>Creates (if needed) a store under <paramref name="root"/>.</summary>
    public FileSystemCheckpointStore(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Path.Combine(Root, LockDir));
        _locks = new StripeLocks(Path.Combine(Root, LockDir), LockStripes);
        Directory.CreateDirectory(Path.Combine(Root, TempDir));
        StaleTempFiles.Remove(Path.Combine(Root, TempDir), "*.tmp", DateTime.UtcNow);
        FlushesNewEntries = NewEntryFlush.IsNeeded(Root);
    }

    /// <summary>The root directory.</summary>
    public string Root { get; }

    /// <summary>Closes the lock files the store keeps open (the silo's container disposes its store when the silo stops).</summary>
    public void Dispose() => _locks.Dispose();

    /// <summary>Whether a create flushes the file's directory after the file (<see cref="NewEntryFlush"/>).</summary>
    internal bool FlushesNewEntries { get; }

    /// <inheritdoc />
    public async Task<CheckpointBlob?> ReadAsync(string key, CancellationToken ct = default)
    {
        var path = PathOf(key);
        if (await ReadAllAsync(path, ct).ConfigureAwait(false) is not { } bytes) return null;
        if (Decode(bytes) is { } blob) return blob;
        // A slotted record read while two replaces rewrote both its slots: read it again, with no writer beside.
        using var _ = await LockAsync(key, ct).ConfigureAwait(false);
        if (await ReadAllAsync(path, ct).ConfigureAwait(false) is not { } again) return null;
        if (Decode(again) is { } record) return record;
        // No writer holds the lock: a created record that is not whole was cut short by a crash, and is absent.
        return CreatedRecord.IsTorn(again) ? null : throw NotARecord(key);
    }

    /// <inheritdoc />
    public async Task<string> PutIfAbsentAsync(string key, ReadOnlyMemory<byte> data, CancellationToken ct = default)
    {
        var path = PathOf(key);
        using var _ = await LockAsync(key, ct).ConfigureAwait(false);
        return await BlockingWrites.Run(() => PutIfAbsent(key, path, data, ct)).ConfigureAwait(false);
    }

    // Under the key's lock, on a write thread (it flushes the data and the directory). The lock is held from the create to
    // the flush, so a file under it that is not whole was cut short by a crash: torn, no record, and replaced here.
    private string PutIfAbsent(string key, string path, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var directory = Path.GetDirectoryName(path)!;
        Span<byte> version = stackalloc byte[CreatedRecord.VersionLength];
        RandomNumberGenerator.Fill(version);
        // The header and the hash that frame the data, in one array.
        var framing = new byte[CreatedRecord.HeaderLength + CreatedRecord.HashLength];
        var header = framing.AsMemory(0, CreatedRecord.HeaderLength);
        CreatedRecord.WriteHeader(header.Span, version, data.Length);
        CreatedRecord.Hash(header.Span, data.Span, framing.AsSpan(CreatedRecord.HeaderLength));
        ReadOnlyMemory<byte>[] record = [header, data, framing.AsMemory(CreatedRecord.HeaderLength)];
        if (!TryCreateIn(directory, path, record) && !ReplaceTorn(path, record))
            throw new CheckpointConflictException(key, $"Checkpoint key '{key}' already exists.");
        // After the file's flush: where that flush made the name durable already (NewEntryFlush), this would only flush
        // the device's cache a second time.
        if (FlushesNewEntries) DirectoryFlush.Flush(directory);
        return Convert.ToHexStringLower(version);
    }

    // A folder this store made or found once is not checked again before each create: a state partition creates a file in
    // its folder every epoch, and a check (a stat) before each was one system call in six of the create's. Nor is a
    // missing folder found by a failed create in the normal course: an exception is dear, the first in a process most of
    // all. A known folder removed since (a query's state deleted by hand) fails the create, and is made again.
    private bool TryCreateIn(string directory, string path, ReadOnlyMemory<byte>[] record)
    {
        if (!_folders.ContainsKey(directory))
        {
            CreateDirectoryDurably(directory);
            // Bounded: a store that sees folders come and go forgets them all now and then, and checks them again.
            if (_folders.Count >= KnownFolders) _folders.Clear();
            _folders.TryAdd(directory, 0);
        }
        try
        {
            return TryCreate(path, record);
        }
        catch (DirectoryNotFoundException)
        {
            CreateDirectoryDurably(directory);
            return TryCreate(path, record);
        }
    }

    // Creates the file exclusively (O_CREAT | O_EXCL: of two creates one fails, in every process) and flushes its data and
    // size; false when a file is there. A write that fails leaves no file.
    private static bool TryCreate(string path, ReadOnlyMemory<byte>[] buffers)
    {
        SafeFileHandle handle;
        try
        {
            handle = RecordFiles.CreateNew(path);
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
        using (handle)
        {
            try
            {
                RandomAccess.Write(handle, buffers, 0);
                DataFlush.Flush(handle, path);
                return true;
            }
            catch
            {
                TryDelete(path);
                throw;
            }
        }
    }

    // Under the key's lock, a file there that is not a whole record was cut short by a crash: it goes, and the create runs
    // again. False (nothing done) for a whole record of any format, or a file that is no record.
    private static bool ReplaceTorn(string path, ReadOnlyMemory<byte>[] record)
    {
        if (!IsTorn(path)) return false;
        File.Delete(path);
        return TryCreate(path, record);
    }

    // Under the key's lock: whether the file at path is a torn created record (CreatedRecord.IsTorn, read whole: a conflict
    // is rare, and a whole created record is read whole to check its hash anyway).
    private static bool IsTorn(string path)
    {
        try
        {
            using var handle = RecordFiles.OpenRead(path);
            return CreatedRecord.IsTorn(ReadAll(handle));
        }
        catch (FileNotFoundException) { return true; }
    }

    private static byte[] ReadAll(SafeFileHandle handle)
    {
        var bytes = new byte[RandomAccess.GetLength(handle)];
        return bytes[..SlottedRecord.ReadFully(handle, bytes, 0)];
    }

    /// <inheritdoc />
    public async Task<string> ReplaceAsync(string key, ReadOnlyMemory<byte> data, string etag, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(etag);
        var path = PathOf(key);
        using var _ = await LockAsync(key, ct).ConfigureAwait(false);
        return await BlockingWrites.Run(() => Replace(key, path, data, etag, ct)).ConfigureAwait(false);
    }

    // Under the key's lock, on a write thread (it flushes the data).
    private string Replace(string key, string path, ReadOnlyMemory<byte> data, string etag, CancellationToken ct)
    {
        var current = Inspect(key, path, ct)
            ?? throw new CheckpointConflictException(key, $"Checkpoint key '{key}' does not exist.");
        if (!string.Equals(current.ETag, etag, StringComparison.Ordinal))
            throw new CheckpointConflictException(key, $"Checkpoint key '{key}' was changed by another writer (ETag {current.ETag}, expected {etag}).");
        Span<byte> version = stackalloc byte[SlottedRecord.VersionLength];
        RandomNumberGenerator.Fill(version);
        if (current.SlotSize > 0 && SlottedRecord.Fits(current.SlotSize, data.Length))
        {
            // The slot not in use: the record stays intact whatever happens to this write.
            var buffer = ArrayPool<byte>.Shared.Rent(SlottedRecord.EncodedLength(data.Length));
            try
            {
                var slot = buffer.AsSpan(0, SlottedRecord.EncodedLength(data.Length));
                SlottedRecord.Encode(slot, current.Sequence + 1, version, data.Span);
                using var handle = RecordFiles.OpenWrite(path);
                RandomAccess.Write(handle, slot, (long)(1 - current.Slot) * current.SlotSize);
                DataFlush.Flush(handle, path);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        else
        {
            // Both slots written in full (zeros after the first), so that later writes find their blocks allocated.
            var file = new byte[2 * SlottedRecord.SlotSizeFor(data.Length)];
            SlottedRecord.Encode(file, current.Sequence + 1, version, data.Span);
            var temp = WriteTemp([file], ct);
            File.Move(temp, path, overwrite: true);
            DirectoryFlush.Flush(Path.GetDirectoryName(path)!);
        }
        return Convert.ToHexStringLower(version);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken ct = default)
    {
        CheckpointKeys.ValidatePrefix(prefix);
        int slash = prefix.LastIndexOf('/');
        var start = slash < 0 ? Root : Path.Combine(Root, prefix[..slash].Replace('/', Path.DirectorySeparatorChar));
        var keys = new List<string>();
        if (Directory.Exists(start))
        {
            foreach (var file in Directory.EnumerateFiles(start, "*", SearchOption.AllDirectories))
            {
                var key = Path.GetRelativePath(Root, file).Replace(Path.DirectorySeparatorChar, '/');
                if (key.StartsWith(".os-", StringComparison.Ordinal)) continue;
                if (key.StartsWith(prefix, StringComparison.Ordinal) && !IsTornOrGone(file)) keys.Add(key);
            }
        }
        keys.Sort(StringComparer.Ordinal);
        return Task.FromResult<IReadOnlyList<string>>(keys);
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(string key, string? etag, CancellationToken ct = default)
    {
        var path = PathOf(key);
        using var _ = await LockAsync(key, ct).ConfigureAwait(false);
        return await BlockingWrites.Run(() => Delete(key, path, etag, ct)).ConfigureAwait(false);
    }

    // Under the key's lock, on a write thread: an unlink blocks (0.25 ms each on the benchmark machine's ext4), and a state
    // partition's clean-up deletes the files a snapshot made unreachable one after the other. On a thread-pool worker two
    // partitions' clean-ups held both workers of a 2-core silo, and the epoch beside them stalled until they ended.
    private bool Delete(string key, string path, string? etag, CancellationToken ct)
    {
        // Without an ETag to check, a created record's length tells it exists: no need to read a delta whole to delete it.
        if (Inspect(key, path, ct, verifyCreated: etag is not null) is not { } current)
        {
            // A torn created record is no record, but its file goes.
            TryDelete(path);
            return false;
        }
        if (etag is not null && !string.Equals(current.ETag, etag, StringComparison.Ordinal))
            throw new CheckpointConflictException(key, $"Checkpoint key '{key}' was changed by another writer (ETag {current.ETag}, expected {etag}).");
        File.Delete(path);
        return true;
    }

    /// <inheritdoc />
    public async Task DeleteUncheckedAsync(string key, CancellationToken ct = default)
    {
        var path = PathOf(key);
        using var _ = await LockAsync(key, ct).ConfigureAwait(false);
        await BlockingWrites.Run(() => Unlink(path, ct)).ConfigureAwait(false);
    }

    // Under the key's lock, on a write thread, as Delete, but with no look at the file first: a delete that answers whether
    // a record was there opens, reads, stats and closes the file before its unlink (4 of its 5 system calls; a state
    // partition deletes about one file per epoch).
    private static bool Unlink(string path, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException) { }
        return true;
    }

    private string PathOf(string key)
    {
        CheckpointKeys.Validate(key);
        if (key.StartsWith(".os-", StringComparison.Ordinal)) throw new ArgumentException($"Checkpoint key '{key}' uses a reserved name.", nameof(key));
        return Path.Combine(Root, key.Replace('/', Path.DirectorySeparatorChar));
    }

    // Shared with writers: a replace writes a slotted record's file in place (on Windows a reader that refuses writers would
    // make that write fail, and the reader would fail beside a writer).
    // The file's bytes; null when there is no file.
    private static async Task<byte[]?> ReadAllAsync(string path, CancellationToken ct)
    {
        try
        {
            using var handle = RecordFiles.OpenRead(path);
            var bytes = new byte[RandomAccess.GetLength(handle)];
            var read = 0;
            while (read < bytes.Length && await RandomAccess.ReadAsync(handle, bytes.AsMemory(read), read, ct).ConfigureAwait(false) is var n && n > 0) read += n;
            return read == bytes.Length ? bytes : bytes[..read];
        }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
    }

    /// <summary>The record in a file of any format; null when it is none (a created record still being written or torn, a
    /// slotted file with no intact slot: read while two replaces rewrote both slots, or not a record at all).</summary>
    private static CheckpointBlob? Decode(byte[] bytes)
    {
        if (bytes.AsSpan().StartsWith(Magic))
            return bytes.Length < HeaderLength ? null : new CheckpointBlob(bytes[HeaderLength..], Convert.ToHexStringLower(bytes.AsSpan(4, 16)));
        if (bytes.AsSpan().StartsWith(CreatedRecord.Magic))
            return CreatedRecord.Verify(bytes) is var (offset, length, etag) ? new CheckpointBlob(bytes.AsSpan(offset, length).ToArray(), etag) : null;
        return SlottedRecord.Find(bytes) is { } current
            ? new CheckpointBlob(bytes.AsSpan((int)SlottedRecord.DataOffset(current), current.Length).ToArray(), current.ETag)
            : null;
    }

    private static InvalidDataException NotARecord(string key) =>
        new($"Checkpoint file for key '{key}' is not a checkpoint record (or is a replaced one whose two slots both fail their checksum).");

    // A torn created record counts as absent (null), like no file.
    // Read on the calling thread, like WriteTemp: a read of a FileStream on Linux is a thread-pool work item of its own, and
    // every grain state write (the offset log and commit log of each epoch) checks the ETag first. Called under the key's
    // lock, so a slotted file is read with no writer beside.
    private static SlottedRecord.Current? Inspect(string key, string path, CancellationToken ct, bool verifyCreated = true)
    {
        ct.ThrowIfCancellationRequested();
        try
        {
            using var handle = RecordFiles.OpenRead(path);
            // One read for the header of either created format (the OSC1 one is the shorter).
            Span<byte> start = stackalloc byte[CreatedRecord.HeaderLength];
            var read = SlottedRecord.ReadFully(handle, start, 0);
            if (read >= HeaderLength && start[..4].SequenceEqual(Magic))
                return new SlottedRecord.Current(Slot: 0, SlotSize: 0, Sequence: 0, Length: 0, Convert.ToHexStringLower(start[4..HeaderLength]));
            switch (CreatedRecord.Classify(start[..read], RandomAccess.GetLength(handle)))
            {
                case CreatedRecord.Kind.Torn:
                    return null;
                case CreatedRecord.Kind.Whole when !verifyCreated:
                    return new SlottedRecord.Current(Slot: 0, SlotSize: 0, Sequence: 0, Length: 0, "");
                case CreatedRecord.Kind.Whole:
                    return CreatedRecord.Verify(ReadAll(handle)) is var (_, _, etag)
                        ? new SlottedRecord.Current(Slot: 0, SlotSize: 0, Sequence: 0, Length: 0, etag)
                        : null;
            }
            return SlottedRecord.Find(handle) ?? throw NotARecord(key);
        }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
    }

    // Without the key's lock, from the file's header and length: a create in progress is not listed until its write is whole
    // (as a temp file was not until renamed), nor is one that a crash cut short. A whole one whose hash fails (a power loss
    // that kept its length and not its data) is listed and reads as absent.
    private static bool IsTornOrGone(string file)
    {
        try
        {
            using var handle = RecordFiles.OpenRead(file);
            return CreatedRecord.Classify(handle) == CreatedRecord.Kind.Torn;
        }
        catch (FileNotFoundException) { return true; }
        catch (DirectoryNotFoundException) { return true; }
    }

    // Written and flushed on the calling thread: an async FileStream on Linux runs each write and the flush as a thread-pool
    // work item of its own, and on a busy silo every hop waits for a thread while the epoch waits for the commit.
    private string WriteTemp(IReadOnlyList<ReadOnlyMemory<byte>> buffers, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var temp = Path.Combine(Root, TempDir, Guid.NewGuid().ToString("N") + ".tmp");
        using (var handle = RecordFiles.CreateNew(temp))
        {
            RandomAccess.Write(handle, buffers, 0);
            RandomAccess.FlushToDisk(handle);
        }
        return temp;
    }

    // A directory created for a key is an entry of its parent, which is flushed like the directory of a renamed file.
    private static void CreateDirectoryDurably(string directory)
    {
        if (Directory.Exists(directory)) return;
        var parent = Path.GetDirectoryName(directory)!;
        CreateDirectoryDurably(parent);
        Directory.CreateDirectory(directory);
        DirectoryFlush.Flush(parent);
    }

    /// <summary>Takes a key's lock (<see cref="StripeLocks"/>); disposing the result gives it back.</summary>
    internal Task<IDisposable> LockAsync(string key, CancellationToken ct) => _locks.AcquireAsync(StripeOf(key), ct);

    /// <summary>The lock file a key's operations lock across processes.</summary>
    internal string LockPathOf(string key) => _locks.PathOf(StripeOf(key));

    // FNV-1a over the key's UTF-16 code units: the same stripe in every process, unlike string.GetHashCode.
    private static int StripeOf(string key)
    {
        var hash = 2166136261u;
        foreach (var c in key) hash = (hash ^ c) * 16777619u;
        return (int)(hash % LockStripes);
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
