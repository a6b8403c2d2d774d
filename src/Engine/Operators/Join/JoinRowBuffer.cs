using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using Apache.Arrow;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Engine.State;

namespace OrleansStream.Engine.Operators.Join;

/// <summary>
/// The buffered rows of one join side (Spark's SymmetricHashJoinStateManager, held as columns): rows live in append-only
/// Arrow chunks, one per added batch, each sorted by the time that evicts its rows; a matched flag per row records whether
/// the row ever joined (Spark's state format v2). Rows are found by key through a chained hash index: each chunk keeps its rows' keys as
/// read once (<see cref="JoinKeyRows"/>: hash and values or encoded bytes), a bucket per hash holds the newest row linked to
/// it and each row the next older one of its bucket, so adding a row is one link (no key is encoded, copied to a table or
/// hashed again) and a probe walks its bucket, comparing hashes, then keys. Because a chunk is sorted by eviction time and
/// the threshold only rises, a watermark evicts a prefix of each chunk: eviction finds each cut by binary search and touches
/// only the rows it removes (and only to emit the unmatched ones of an outer side), never the keys. Removed rows stay on
/// their bucket lists until dead rows outnumber live ones, when the lists are rebuilt from the live rows and their stored
/// hashes (amortised: a row is relinked at most once per row evicted, or per doubling of the buckets).
/// A row is addressed as <c>chunk &lt;&lt; 32 | row</c>. Not thread-safe.
/// </summary>
internal sealed class JoinRowBuffer
{
    private const int MinDeadToRebuild = 1024;

    private const int MinBuckets = 16;
    // Probes prefetch when the buckets outgrow the L2 cache (128 KB and more): the bucket this many rows ahead, and the row
    // its bucket holds RowPrefetchDistance rows ahead (by then the bucket is cached).
    private const int PrefetchBuckets = 1 << 14;
    private const int PrefetchDistance = 16;
    private const int RowPrefetchDistance = 8;

    private readonly List<Chunk> _chunks = new();
    private readonly int[] _keyColumns;
    private readonly int _width;
    private readonly KeyEncoder _encoder;
    private long[] _buckets = NewBuckets(MinBuckets);   // the newest row linked to each bucket (a row reference), or -1
    private long _nextId;
    private int _dead;

    /// <summary>A buffer for rows whose join keys are the columns <paramref name="keyColumns"/>, of <paramref name="keySchema"/>
    /// (flattened: see <see cref="JoinKeys"/>).</summary>
    public JoinRowBuffer(int[] keyColumns, Schema keySchema)
    {
        _keyColumns = keyColumns;
        _width = JoinKeyRows.WidthOf(keySchema);
        _encoder = new KeyEncoder(keySchema);
    }

    /// <summary>The keys of <paramref name="rows"/> (rows of this side), read for a probe of the other side and then for
    /// <see cref="Add"/>.</summary>
    public JoinKeyRows ReadKeys(RecordBatch rows) => ReadKeys(JoinKeys.Columns(rows, _keyColumns), rows.Length);

    /// <summary>The keys given as (flattened) key columns of this side's types.</summary>
    public JoinKeyRows ReadKeys(IReadOnlyList<IArrowArray> keyColumns, int length) => JoinKeyRows.Read(keyColumns, length, _width, _encoder);

    /// <summary>How many per-row entries (times and matched flags) the last <see cref="Evict"/> read: the cost that must stay
    /// proportional to the rows it removes, not to the rows or keys held.</summary>
    internal long LastEvictionReads { get; private set; }

    /// <summary>Rows held (not evicted).</summary>
    public int LiveRows { get; private set; }

    /// <summary>The highest threshold that evicted rows since <see cref="MarkClean"/>, or null.</summary>
    public long? EvictedAtOrBelow { get; private set; }

    /// <summary>The chunks, by index (a row reference's high half).</summary>
    public IReadOnlyList<Chunk> Chunks => _chunks;

    /// <summary>Estimated memory held, in bytes.</summary>
    public long EstimatedBytes
    {
        get
        {
            var bytes = _buckets.Length * 8L;
            foreach (var c in _chunks) bytes += c.Bytes;
            return bytes;
        }
    }

    /// <summary>
    /// Adds <paramref name="rows"/> as a new chunk: <c>times[i]</c> is row i's eviction time (<see cref="EventTimes.Never"/> to keep
    /// it), <c>matched[i]</c> its matched flag (copied: the array may be longer, and reused); <paramref name="ids"/> restores
    /// persisted row ids (null: new ids are assigned).
    /// <paramref name="isNew"/> rows belong to the next delta. <paramref name="keys"/> are the rows' keys when already read
    /// (<see cref="ReadKeys(RecordBatch)"/>), else null.
    /// </summary>
    public void Add(RecordBatch rows, JoinKeyRows? keys, long[] times, bool[] matched, long[]? ids, bool isNew)
    {
        var n = rows.Length;
        if (n == 0) return;
        keys ??= ReadKeys(rows);
        if (!IsSorted(times))
        {
            var order = new int[n];
            for (var i = 0; i < n; i++) order[i] = i;
            times = (long[])times.Clone();
            System.Array.Sort(times, order);
            rows = TakeKernel.TakeRows(rows, order);
            keys = keys.Take(order);
            var m = new bool[n];
            for (var i = 0; i < n; i++) m[i] = matched[order[i]];
            matched = m;
            if (ids is not null)
            {
                var d = new long[n];
                for (var i = 0; i < n; i++) d[i] = ids[order[i]];
                ids = d;
            }
        }
        else matched = matched.AsSpan(0, n).ToArray();
        if (ids is null)
        {
            ids = GC.AllocateUninitializedArray<long>(n);
            for (var i = 0; i < n; i++) ids[i] = _nextId++;
        }
        else
        {
            foreach (var id in ids) if (id >= _nextId) _nextId = id + 1;
        }
        // Room first (a rebuild drops dead chunks, so the new chunk's index is known only after it).
        if (LiveRows + _dead + n > _buckets.Length) Rebuild(LiveRows + n);
        var chunk = new Chunk(rows, keys, times, ids, matched, isNew);
        _chunks.Add(chunk);
        Link(_chunks.Count - 1, chunk);
        LiveRows += n;
    }

    private static unsafe void Prefetch<T>(ref T at) where T : unmanaged => Sse.Prefetch0(Unsafe.AsPointer(ref at));

    private static long[] NewBuckets(int length)
    {
        var buckets = new long[length];
        System.Array.Fill(buckets, -1L);
        return buckets;
    }

    private static bool IsSorted(long[] times)
    {
        for (var i = 1; i < times.Length; i++) if (times[i] < times[i - 1]) return false;
        return true;
    }

    // Puts the chunk's live rows at the head of their buckets' lists, oldest first (so a list runs newest first).
    private void Link(int chunkIndex, Chunk chunk)
    {
        var buckets = _buckets;
        var mask = buckets.Length - 1;
        var hashes = chunk.Keys.Hashes;
        var next = chunk.Next;
        var baseRef = (long)chunkIndex << 32;
        for (var r = chunk.Start; r < chunk.Length; r++)
        {
            var b = (int)hashes[r] & mask;
            next[r] = buckets[b];
            buckets[b] = baseRef | (uint)r;
        }
    }

    /// <summary>
    /// Appends to <paramref name="into"/> a candidate (probe row, chunk, row) for every live row whose key equals probe row r's,
    /// for each probe row not marked in <paramref name="skip"/> (rows whose key holds a null that must not match; empty when
    /// there are none).
    /// </summary>
    public void Probe(JoinKeyRows probe, ReadOnlySpan<bool> skip, JoinCandidates into)
    {
        if (LiveRows == 0 || probe.Count == 0) return;
        var buckets = _buckets;
        var mask = buckets.Length - 1;
        var hashes = probe.Hashes;
        var count = probe.Count;
        // Buckets and rows beyond the cache are prefetched for rows ahead: the bucket far ahead, then (once that bucket is
        // cached) the hash and next link of the row it holds, which the walk reads first.
        var prefetch = Sse.IsSupported && buckets.Length >= PrefetchBuckets;
        for (var r = 0; r < count; r++)
        {
            if (prefetch)
            {
                if (r + PrefetchDistance < count) Prefetch(ref buckets[(int)hashes[r + PrefetchDistance] & mask]);
                if (r + RowPrefetchDistance < count && buckets[(int)hashes[r + RowPrefetchDistance] & mask] is >= 0 and var head)
                {
                    var chunk = _chunks[(int)(head >> 32)];
                    Prefetch(ref chunk.Keys.Hashes[(int)head]);
                    Prefetch(ref chunk.Next[(int)head]);
                }
            }
            if (!skip.IsEmpty && skip[r]) continue;
            var hash = hashes[r];
            for (var rowRef = buckets[(int)hash & mask]; rowRef >= 0;)
            {
                var c = (int)(rowRef >> 32);
                var local = (int)rowRef;
                var chunk = _chunks[c];
                if (chunk.Keys.Hashes[local] == hash && local >= chunk.Start && chunk.Keys.KeyEquals(local, probe, r)) into.Add(r, c, local);
                rowRef = chunk.Next[local];
            }
        }
    }

    /// <summary>Sets the matched flag of a row; a row of an earlier delta is then part of the next one.</summary>
    public void SetMatched(int chunkIndex, int row, bool track = true)
    {
        var chunk = _chunks[chunkIndex];
        if (chunk.Matched[row]) return;
        chunk.Matched[row] = true;
        if (track && !chunk.IsNew) (chunk.DirtyRows ??= new List<int>()).Add(row);
    }

    /// <summary>
    /// Removes every row whose eviction time is at or below <paramref name="threshold"/> and returns how many. When
    /// <paramref name="unmatched"/> is given it receives, chunk by chunk, the removed rows that never matched: a batch and the
    /// rows of it, or null for all of its rows.
    /// </summary>
    public int Evict(long threshold, Action<RecordBatch, int[]?>? unmatched, bool record = true)
    {
        var removed = 0;
        long reads = 0;
        foreach (var chunk in _chunks)
        {
            var start = chunk.Start;
            reads++;
            if (start == chunk.Length || chunk.Times[start] > threshold) continue;
            var cut = UpperBound(chunk.Times, start, threshold, ref reads);
            if (unmatched is not null)
            {
                reads += cut - start;
                var count = 0;
                for (var i = start; i < cut; i++) if (!chunk.Matched[i]) count++;
                if (count == cut - start)
                {
                    // Every removed row is unmatched (the common case): a zero-copy slice instead of a gather.
                    unmatched(chunk.Rows.Slice(start, count), null);
                }
                else if (count > 0)
                {
                    var rows = new int[count];
                    count = 0;
                    for (var i = start; i < cut; i++) if (!chunk.Matched[i]) rows[count++] = i;
                    unmatched(chunk.Rows, rows);
                }
            }
            removed += cut - start;
            chunk.Start = cut;
        }
        LastEvictionReads = reads;
        if (removed == 0) return 0;
        LiveRows -= removed;
        _dead += removed;
        if (record) EvictedAtOrBelow = EvictedAtOrBelow is { } t ? Math.Max(t, threshold) : threshold;
        if (LiveRows == 0 || (_dead > LiveRows && _dead >= MinDeadToRebuild)) Rebuild(LiveRows);
        return removed;
    }

    // The first index at or after start whose time is above threshold (times ascending).
    private static int UpperBound(long[] times, int start, long threshold, ref long reads)
    {
        int lo = start, hi = times.Length;
        while (lo < hi)
        {
            reads++;
            var mid = (int)((uint)(lo + hi) >> 1);
            if (times[mid] <= threshold) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    // Drops the dead chunks and relinks the bucket lists from the live rows only, into buckets for at least `rows` rows: a
    // power of two, at least twice that, so that lists stay short until the rows double.
    private void Rebuild(int rows)
    {
        _chunks.RemoveAll(c => c.Start == c.Length);
        var length = (int)Math.Min(1 << 30, Math.Max(MinBuckets, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)rows * 2)));
        if (length == _buckets.Length) System.Array.Fill(_buckets, -1L);
        else _buckets = NewBuckets(length);
        for (var c = 0; c < _chunks.Count; c++) Link(c, _chunks[c]);
        _dead = 0;
    }

    /// <summary>Passes every live row that never matched to <paramref name="unmatched"/>, chunk by chunk.</summary>
    public void ForEachUnmatched(Action<RecordBatch, int[]> unmatched)
    {
        foreach (var chunk in _chunks)
        {
            var rows = new List<int>();
            for (var i = chunk.Start; i < chunk.Length; i++) if (!chunk.Matched[i]) rows.Add(i);
            if (rows.Count > 0) unmatched(chunk.Rows, rows.ToArray());
        }
    }

    /// <summary>
    /// Sets the matched flag of persisted rows identified by key and id (a delta's flag changes): the row of key r of
    /// <paramref name="keys"/> with id <c>ids[r]</c>. A row not found (evicted since) is ignored.
    /// </summary>
    public void RestoreMatched(JoinKeyRows keys, ReadOnlySpan<long> ids)
    {
        if (ids.Length == 0 || LiveRows == 0) return;
        var mask = _buckets.Length - 1;
        for (var r = 0; r < ids.Length; r++)
        {
            var hash = keys.Hashes[r];
            for (var rowRef = _buckets[(int)hash & mask]; rowRef >= 0;)
            {
                var chunk = _chunks[(int)(rowRef >> 32)];
                var local = (int)rowRef;
                if (local >= chunk.Start && chunk.Ids[local] == ids[r] && chunk.Keys.Hashes[local] == hash && chunk.Keys.KeyEquals(local, keys, r))
                {
                    chunk.Matched[local] = true;
                    break;
                }
                rowRef = chunk.Next[local];
            }
        }
    }

    /// <summary>Forgets what changed (after the delta is durable).</summary>
    public void MarkClean()
    {
        foreach (var c in _chunks)
        {
            c.IsNew = false;
            c.DirtyRows = null;
        }
        EvictedAtOrBelow = null;
    }

    /// <summary>One added batch of rows, sorted by eviction time; rows below <see cref="Start"/> are evicted.</summary>
    internal sealed class Chunk
    {
        public Chunk(RecordBatch rows, JoinKeyRows keys, long[] times, long[] ids, bool[] matched, bool isNew)
        {
            Rows = rows;
            Keys = keys;
            Times = times;
            Ids = ids;
            Matched = matched;
            IsNew = isNew;
            Next = GC.AllocateUninitializedArray<long>(times.Length);
            Bytes = times.Length * 25L + keys.EstimatedBytes + BatchBytes(rows);
        }

        /// <summary>The rows (the side's columns).</summary>
        public RecordBatch Rows { get; }

        /// <summary>The rows' join keys.</summary>
        public JoinKeyRows Keys { get; }

        /// <summary>Each row's eviction time, ascending.</summary>
        public long[] Times { get; }

        /// <summary>Each row's id, unique per key, so a persisted flag change finds its row again.</summary>
        public long[] Ids { get; }

        /// <summary>Each row's matched flag.</summary>
        public bool[] Matched { get; }

        /// <summary>The next older row of the same bucket (a row reference), or -1.</summary>
        public long[] Next { get; }

        /// <summary>The first row not evicted.</summary>
        public int Start { get; set; }

        /// <summary>Rows held, evicted ones included.</summary>
        public int Length => Times.Length;

        /// <summary>Added since the last checkpoint: its live rows belong to the next delta.</summary>
        public bool IsNew { get; set; }

        /// <summary>Rows of an earlier checkpoint whose matched flag was set since, or null.</summary>
        public List<int>? DirtyRows { get; set; }

        /// <summary>Estimated bytes held.</summary>
        public long Bytes { get; }

        private static long BatchBytes(RecordBatch batch)
        {
            long bytes = 0;
            foreach (var a in batch.Arrays) bytes += DataBytes(a.Data);
            return bytes;
        }

        private static long DataBytes(ArrayData data)
        {
            long bytes = 0;
            if (data.Buffers is { } buffers) foreach (var b in buffers) bytes += b.Length;
            if (data.Children is { } children) foreach (var c in children) bytes += DataBytes(c);
            return bytes;
        }
    }
}
