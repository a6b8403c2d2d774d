using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;

namespace OrleansStream.Engine.State;

/// <summary>
/// Maps encoded keys (see <see cref="KeyEncoder"/>) to dense int slot ids, so that per-key state can live in plain arrays
/// indexed by slot. Open addressing with linear probing over one bucket array whose entries hold the slot and 32 bits of
/// the key's hash, so a probe rejects other keys without touching per-slot arrays; key bytes live in a single byte arena,
/// so looking up or adding a key allocates nothing per row. A key of one to four bigint or timestamp columns is instead
/// kept as longs and a byte of null bits per slot (a one-bigint key without its hash) and looked up by value, hashed without encoding (same hash
/// as its encoding, so slots, key groups and persisted bytes do not change); it is encoded only when its bytes are asked
/// for (<see cref="KeyBytes"/>). Removed slot ids are reused (last freed, first reused). Not thread-safe.
/// </summary>
public sealed class KeyTable
{
    private const int FreeLength = -1;
    // How many rows ahead the batch paths prefetch buckets: far enough to hide a cache miss, near enough to stay cached.
    private const int PrefetchDistance = 16;
    // How many rows ahead they prefetch the key values of the slot in a row's home bucket: the bucket was prefetched
    // PrefetchDistance - KeyPrefetchDistance rows before, so reading it is a hit, and the probe's compare then is too.
    private const int KeyPrefetchDistance = 8;

    private readonly KeyEncoder _encoder;
    // Longs per slot of a key kept by value: 1 for one bigint/timestamp column, 2..4 for a fixed key (see FixedKeys), else 0.
    private readonly int _width;
    private ulong[] _buckets = new ulong[16];   // (uint)hash << 32 | slot + 1; 0 = empty
    private int _mask = 15;
    private ulong[] _hashes = [];               // the full hash per slot, but for a one-bigint key (see HashOf)
    private KeyRef[] _keyRefs = [];             // Length FreeLength for a free slot; unused for a key kept by value
    private ulong[] _live = [];                 // a bit per slot, set while it holds a key: scans read 1 bit, not a KeyRef
    private long[] _keyValues = [];             // _width values per slot (0 for null)
    private byte[] _nullBits = [];              // per slot: bit c set when column c is null, for a key kept by value
    private byte[] _arena = [];
    private int _arenaLength;
    private long _garbage;                      // bytes of removed keys still in the arena
    private int[] _free = [];
    private int _freeCount;
    private int _slotBound;
    private int _count;
    private int _denseResident;                 // keys held by the dense range's entries alone (see DenseEntryOf)
    private int[] _scratchSlots = [];
    private bool[] _scratchAdded = [];
    private ulong[] _scratchHashes = [];
    private readonly byte[] _keyScratch = new byte[FixedKeys.MaxColumns * FixedKeys.ColumnBytes];   // KeyBytes of a key kept by value
    private DenseSlotMap? _dense;               // one bigint key: slots of a dense range of values, looked up without hashing
    // A table of one bigint key that is not emptied every epoch (a state's) judges at this many keys, and at each doubling,
    // whether its keys are dense enough to move into a range (see TryMoveIntoDenseRange); int.MaxValue when it never does.
    private int _nextDenseJudgement = int.MaxValue;
    private readonly bool _densePerEpoch;       // built with denseRange: judged by the first batch after each Clear only

    /// <summary>Creates an empty table for keys of <paramref name="keySchema"/>.</summary>
    /// <exception cref="NotSupportedException">A key column's type cannot be a key.</exception>
    public KeyTable(Schema keySchema)
        : this(keySchema, denseRange: false)
    {
    }

    /// <summary>Creates an empty table for keys of <paramref name="keySchema"/>; with <paramref name="denseRange"/>, a key of one
    /// bigint or timestamp column that the first batch after each <see cref="Clear"/> draws from a dense range of values is
    /// looked up there by value - base (see <see cref="DenseSlotMap"/>): for a table emptied every epoch, such as a partial
    /// aggregation's. The slots, and everything else the table gives, are the same either way.</summary>
    /// <exception cref="NotSupportedException">A key column's type cannot be a key.</exception>
    internal KeyTable(Schema keySchema, bool denseRange)
    {
        _encoder = new KeyEncoder(keySchema);
        var fields = keySchema.FieldsList;
        _width = fields.Count == 1 && FixedKeys.IsInt64Type(fields[0].DataType) ? 1 : FixedKeys.WidthOf(keySchema);
        _densePerEpoch = denseRange;
        if (denseRange && _width == 1) _dense = new DenseSlotMap();
        else if (_width == 1) _nextDenseJudgement = MinDenseStateKeys;
    }

    /// <summary>Keys a table must hold before it judges whether they are dense enough to move into a range.</summary>
    internal const int MinDenseStateKeys = 1 << 14;

    /// <summary>A range laid out around a table's keys spans at most this many values per key it holds then.</summary>
    internal const int DenseStateValuesPerKey = 8;

    // Keys read to judge a range: enough that its least and greatest 1% are a few dozen keys each.
    private const int DenseStateSample = 4096;

    /// <summary>The key schema.</summary>
    public Schema KeySchema => _encoder.KeySchema;

    /// <summary>True while a dense range is laid out (see <see cref="KeyTable(Schema, bool)"/>).</summary>
    internal bool HasDenseRange => _dense?.HasRange == true;

    /// <summary>Number of live keys.</summary>
    public int Count => _count;

    /// <summary>Exclusive upper bound of the slot ids handed out so far; per-slot arrays must hold this many entries.</summary>
    public int SlotBound => _slotBound;

    /// <summary>Estimated memory held by the table, in bytes.</summary>
    public long EstimatedBytes =>
        (_dense?.EstimatedBytes ?? 0) + _buckets.Length * 8L + _hashes.Length * 8L + _keyRefs.Length * 8L + _live.Length * 8L + _keyValues.Length * 8L + _nullBits.Length + _arena.Length
        + _free.Length * 4L + _scratchSlots.Length * 5L + _scratchHashes.Length * 8L;

    /// <summary>Finds or adds the key of each of the first <paramref name="length"/> rows: <c>slots[r]</c> is the row's slot and
    /// <c>added[r]</c> is true for the row that added it (a key repeated within the batch is added once, by its first row).</summary>
    public void GetOrAdd(IReadOnlyList<IArrowArray> keyColumns, int length, Span<int> slots, Span<bool> added)
    {
        if (slots.Length < length || added.Length < length) throw new ArgumentException($"The output spans must hold {length} entries.");
        if (IsTyped(keyColumns, length))
        {
            if (_width == 1) GetOrAddInt64(keyColumns[0], length, slots, added);
            else ProbeFixedRows(keyColumns, length, slots, added, add: true);
            return;
        }
        _encoder.Encode(keyColumns, length);
        for (var r = 0; r < length; r++)
        {
            var key = _encoder.Key(r);
            slots[r] = GetOrAdd(key, KeyHash.Hash(key), out added[r]);
        }
    }

    /// <summary>
    /// <see cref="GetOrAdd(IReadOnlyList{IArrowArray}, int, Span{int}, Span{bool})"/> into buffers this table keeps and reuses:
    /// the returned spans are valid until the next call.
    /// </summary>
    public Span<int> GetOrAdd(IReadOnlyList<IArrowArray> keyColumns, int length, out Span<bool> added)
    {
        if (_scratchSlots.Length < length)
        {
            _scratchSlots = new int[Math.Max(length, _scratchSlots.Length * 2)];
            _scratchAdded = new bool[_scratchSlots.Length];
        }
        var slots = _scratchSlots.AsSpan(0, length);
        added = _scratchAdded.AsSpan(0, length);
        GetOrAdd(keyColumns, length, slots, added);
        return slots;
    }

    /// <summary>Finds or adds one encoded key and returns its slot.</summary>
    public int GetOrAdd(ReadOnlySpan<byte> encodedKey, out bool added) => GetOrAdd(encodedKey, KeyHash.Hash(encodedKey), out added);

    /// <summary>Looks up the key of each of the first <paramref name="length"/> rows: <c>slots[r]</c> is its slot, or -1 when absent.
    /// Returns the number of rows found.</summary>
    public int TryGet(IReadOnlyList<IArrowArray> keyColumns, int length, Span<int> slots)
    {
        if (slots.Length < length) throw new ArgumentException($"The slots span must hold {length} entries.", nameof(slots));
        if (IsTyped(keyColumns, length))
            return _width == 1 ? TryGetInt64(keyColumns[0], length, slots) : ProbeFixedRows(keyColumns, length, slots, default, add: false);
        var found = 0;
        _encoder.Encode(keyColumns, length);
        for (var r = 0; r < length; r++)
        {
            var key = _encoder.Key(r);
            slots[r] = Find(key, KeyHash.Hash(key));
            if (slots[r] >= 0) found++;
        }
        return found;
    }

    /// <summary>Looks up one encoded key.</summary>
    public bool TryGet(ReadOnlySpan<byte> encodedKey, out int slot)
    {
        slot = Find(encodedKey, KeyHash.Hash(encodedKey));
        return slot >= 0;
    }

    /// <summary>True when <paramref name="slot"/> holds a live key.</summary>
    public bool IsLive(int slot) => (uint)slot < (uint)_slotBound && ((_live[slot >> 6] >> slot) & 1) != 0;

    /// <summary>Bit <c>b</c> of word <paramref name="word"/> is set when slot <c>64 * word + b</c> holds a key (for scans that
    /// combine it with a per-slot bitmap of their own).</summary>
    internal ulong LiveWord(int word) => (uint)word < (uint)_live.Length ? _live[word] : 0;

    /// <summary>The encoded key of a live slot (valid until the table next changes or this is next called).</summary>
    public ReadOnlySpan<byte> KeyBytes(int slot)
    {
        CheckLive(slot);
        if (_width == 0) return _arena.AsSpan(_keyRefs[slot].Start, _keyRefs[slot].Length);
        // A key kept by value is encoded from its values when asked for (rarely: a removal's tombstone), not on every add.
        var key = _keyScratch.AsSpan(0, _width * FixedKeys.ColumnBytes);
        FixedKeys.Encode(_keyValues.AsSpan(slot * _width, _width), _nullBits[slot], key);
        return key;
    }

    /// <summary>Removes the key of a live slot; the slot id may be handed out again by a later add.</summary>
    public void Remove(int slot)
    {
        CheckLive(slot);
        RemoveLive(slot);
    }

    // Takes a slot's key out of its bucket and frees it: the slot held a key until now (its live bit may be cleared already).
    private void RemoveLive(int slot)
    {
        if (IsDenseResident(slot))
        {
            Free(slot);
            return;
        }
        var b = (int)HashOf(slot) & _mask;
        while ((int)(uint)_buckets[b] != slot + 1) b = (b + 1) & _mask;
        // Backward-shift deletion keeps linear probing correct without tombstones: move later entries of the cluster
        // into the hole unless their home bucket lies cyclically within (hole, entry].
        var hole = b;
        var j = b;
        while (true)
        {
            j = (j + 1) & _mask;
            var e = _buckets[j];
            if (e == 0) break;
            var home = HomeOf(e, _mask);
            var stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
            if (stays) continue;
            _buckets[hole] = e;
            hole = j;
        }
        _buckets[hole] = 0;
        Free(slot);
    }

    /// <summary>
    /// Removes the keys of live slots, each listed once, as <see cref="Remove(int)"/> would one by one. When they are at least
    /// a third of the keys (a watermark evicting the windows it closed), the buckets are rebuilt from the keys that stay
    /// instead: a deletion finds its bucket and shifts its cluster at a cache miss or two, and a rebuild spends one per key
    /// it keeps.
    /// </summary>
    public void Remove(ReadOnlySpan<int> slots) => Remove(slots, -1, 0);

    /// <summary>
    /// <see cref="Remove(ReadOnlySpan{int})"/> of slots whose bigint or timestamp key column <paramref name="keyColumn"/> is
    /// not null and at most <paramref name="atMost"/> (a watermark's eviction, listed by <see cref="SlotsWithInt64AtMost(int, long, List{int})"/>):
    /// each slot is checked as its key is taken out, not in a pass of its own before; a slot that fails is refused with
    /// nothing removed.
    /// </summary>
    internal void RemoveAtOrBelow(int keyColumn, long atMost, ReadOnlySpan<int> slots)
    {
        if (_width > 0 && (uint)keyColumn < (uint)_width)
        {
            Remove(slots, keyColumn, atMost);
            return;
        }
        foreach (var s in slots)
            if (!IsLive(s) || !TryReadInt64(s, keyColumn, out var v) || v > atMost)
                throw new ArgumentOutOfRangeException(nameof(slots), s, $"The slot holds no key whose column {keyColumn} is at or below {atMost}.");
        Remove(slots);
    }

    // Removes live slots, each listed once; with a key column (>= 0) of a key kept by value, also each with that column not
    // null and at most atMost. A slot that fails is refused before anything changed.
    private void Remove(ReadOnlySpan<int> slots, int keyColumn, long atMost)
    {
        // Live bits first: a slot listed twice finds its bit clear, and the table is restored before anything else changed.
        for (var i = 0; i < slots.Length; i++)
        {
            var slot = slots[i];
            if (Removable(slot, keyColumn, atMost))
            {
                _live[slot >> 6] &= ~(1UL << slot);
                continue;
            }
            foreach (var s in slots[..i]) _live[s >> 6] |= 1UL << s;
            throw NotRemovable(slot, keyColumn, atMost);
        }
        if (slots.Length * 3 < _count)
        {
            foreach (var s in slots) RemoveLive(s);
            return;
        }
        foreach (var s in slots) Free(s);
        RebuildBuckets();
    }

    // Empties the buckets and places every live key that no dense range entry holds again.
    private void RebuildBuckets()
    {
        System.Array.Clear(_buckets);
        for (var w = 0; w < (_slotBound + 63) >> 6; w++)
        {
            for (var bits = _live[w]; bits != 0; bits &= bits - 1)
            {
                var slot = (w << 6) + BitOperations.TrailingZeroCount(bits);
                if (IsDenseResident(slot)) continue;
                var hash = HashOf(slot);
                _buckets[EmptyBucketFrom(_buckets, (int)hash & _mask)] = Entry(hash, slot);
            }
        }
    }

    // A live slot, and with a key column (>= 0) one whose value there is not null and at most atMost.
    private bool Removable(int slot, int keyColumn, long atMost) =>
        IsLive(slot) && (keyColumn < 0 || (_keyValues[slot * _width + keyColumn] <= atMost && !IsNullValue(slot, keyColumn)));

    private static ArgumentOutOfRangeException NotRemovable(int slot, int keyColumn, long atMost) =>
        new("slots", slot, keyColumn < 0 ? "The slot holds no key or is listed twice."
            : $"The slot holds no key whose column {keyColumn} is at or below {atMost}, or is listed twice.");

    // The slot's bookkeeping once its bucket is gone: its key bytes become garbage and its id goes to the free list.
    private void Free(int slot)
    {
        if (_width == 0)
        {
            _garbage += _keyRefs[slot].Length;
            _keyRefs[slot].Length = FreeLength;
        }
        _live[slot >> 6] &= ~(1UL << slot);
        // The null key is stored as 0: it must not forget the entry of the key 0.
        if (_dense is not null && _nullBits[slot] == 0 && _dense.Forget(_keyValues[slot])) _denseResident--;
        if (_freeCount == _free.Length) SlotArrays.Resize(ref _free, Math.Max(16, _free.Length * 2));
        _free[_freeCount++] = slot;
        _count--;
    }

    /// <summary>Appends every live slot to <paramref name="slots"/>, in slot id order.</summary>
    public void LiveSlots(List<int> slots)
    {
        ArgumentNullException.ThrowIfNull(slots);
        for (var w = 0; w < (_slotBound + 63) >> 6; w++) SlotBits.AddSetBits(slots, w, _live[w]);
    }

    /// <summary>Appends the first <paramref name="limit"/> live slots (or all, if fewer) to <paramref name="slots"/>, in slot id order.</summary>
    public void FirstLiveSlots(int limit, List<int> slots)
    {
        ArgumentNullException.ThrowIfNull(slots);
        for (var s = 0; s < _slotBound && slots.Count < limit; s++)
            if (IsLive(s)) slots.Add(s);
    }

    /// <summary>The keys of <paramref name="slots"/> as one array per key field, in that order (a key kept by value rented
    /// from <paramref name="buffers"/>, the owner of the batch they go into, when there is one).</summary>
    public IArrowArray[] KeyColumns(ReadOnlySpan<int> slots, BatchBuffers? buffers = null)
    {
        foreach (var s in slots) CheckLive(s);
        return LiveKeyColumns(slots, buffers);
    }

    /// <summary><see cref="KeyColumns"/> of slots the caller has just listed as live (a state's delta or snapshot), unchecked:
    /// with a million keys, checking them again is another pass that misses the cache on every slot. A key kept by value
    /// writes its columns into arrays rented from <paramref name="buffers"/> (the owner of the batch they go into) when there is one.</summary>
    internal IArrowArray[] LiveKeyColumns(ReadOnlySpan<int> slots, BatchBuffers? buffers = null)
    {
        if (_width > 0) return ValueColumns(slots, buffers);
        var starts = new int[slots.Length];
        for (var i = 0; i < slots.Length; i++) starts[i] = _keyRefs[slots[i]].Start;
        return _encoder.Decode(_arena.AsSpan(0, _arenaLength), starts);
    }

    /// <summary>The key group of a live slot's key (same as <see cref="KeyGroups.Of"/> on its encoded key).</summary>
    public int KeyGroupOf(int slot, int numKeyGroups)
    {
        CheckLive(slot);
        ArgumentOutOfRangeException.ThrowIfLessThan(numKeyGroups, 1);
        return KeyGroups.FromHash(HashOf(slot), numKeyGroups);
    }

    /// <summary>Reads a bigint or timestamp key column of a live slot without decoding the key; false when it is null.</summary>
    public bool TryReadInt64(int slot, int keyColumn, out long value)
    {
        if (_width == 0 || (uint)keyColumn >= (uint)_width) return _encoder.TryReadInt64(KeyBytes(slot), keyColumn, out value);
        // A key kept by value is read from its values: a watermark's eviction scan reads one per live key.
        CheckLive(slot);
        value = _keyValues[slot * _width + keyColumn];
        return !IsNullValue(slot, keyColumn);
    }

    /// <summary>Appends the live slots whose key column <paramref name="keyColumn"/> (a bigint or timestamp) is not null and at
    /// most <paramref name="atMost"/>, in slot id order: a watermark's eviction scan, which reads every live key each epoch.</summary>
    internal void SlotsWithInt64AtMost(int keyColumn, long atMost, List<int> slots) => SlotsWithInt64AtMost(keyColumn, atMost, slots, out _);

    /// <summary><see cref="SlotsWithInt64AtMost(int, long, List{int})"/>, and the least value above <paramref name="atMost"/> in the
    /// column (long.MaxValue when none; a null kept by value may count as 0), read on the way.</summary>
    internal void SlotsWithInt64AtMost(int keyColumn, long atMost, List<int> slots, out long leastAbove)
    {
        leastAbove = long.MaxValue;
        if (_width == 0 || (uint)keyColumn >= (uint)_width)
        {
            for (var s = 0; s < _slotBound; s++)
            {
                if (!IsLive(s) || !TryReadInt64(s, keyColumn, out var v)) continue;
                if (v <= atMost) slots.Add(s);
                else if (v < leastAbove) leastAbove = v;
            }
            return;
        }
        // A key kept by value: a word of live bits at a time, the value read straight from the slot's longs (its null flag
        // only when the value qualifies), instead of a liveness check and a checked read per slot.
        var words = (_slotBound + 63) >> 6;
        for (var w = 0; w < words; w++)
            for (var bits = _live[w]; bits != 0; bits &= bits - 1)
            {
                var s = (w << 6) + BitOperations.TrailingZeroCount(bits);
                var v = _keyValues[s * _width + keyColumn];
                if (v > atMost)
                {
                    if (v < leastAbove) leastAbove = v;
                }
                else if (!IsNullValue(s, keyColumn)) slots.Add(s);
            }
    }

    /// <summary>Removes every key and forgets all slot ids (the next key gets slot 0), keeping the allocated capacity.</summary>
    public void Clear()
    {
        if (_width == 1 && !_densePerEpoch) _nextDenseJudgement = MinDenseStateKeys;
        _dense?.Clear(_keyValues.AsSpan(0, _slotBound));
        System.Array.Clear(_buckets);
        System.Array.Clear(_live);
        _arenaLength = 0;
        _garbage = 0;
        _freeCount = 0;
        _slotBound = 0;
        _count = 0;
        _denseResident = 0;
    }

    // Key columns of a key kept by value that are real arrays of the key fields' types (not the null type, which the encoder
    // also accepts, nor a timestamp of another unit, which it refuses): those go by value, anything else through the encoder.
    private bool IsTyped(IReadOnlyList<IArrowArray> keyColumns, int length)
    {
        ArgumentNullException.ThrowIfNull(keyColumns);
        if (_width == 0 || keyColumns.Count != _width) return false;
        var fields = KeySchema.FieldsList;
        for (var c = 0; c < _width; c++)
        {
            var actual = keyColumns[c].Data.DataType;
            var expected = fields[c].DataType;
            if (actual.TypeId != expected.TypeId) return false;
            if (actual is TimestampType a && a.Unit != ((TimestampType)expected).Unit) return false;
        }
        for (var c = 0; c < _width; c++)
            if (keyColumns[c].Length < length) throw new ArgumentException($"Key column '{fields[c].Name}' has {keyColumns[c].Length} rows, fewer than {length}.");
        return true;
    }

    private void GetOrAddInt64(IArrowArray column, int length, Span<int> slots, Span<bool> added)
    {
        if (_count >= _nextDenseJudgement) TryMoveIntoDenseRange();
        if (_dense is not null && column.NullCount == 0 && _dense.TryLayOut(ArrowSpans.Values<long>(column)[..length], _count == 0))
        {
            GetOrAddDense(ArrowSpans.Values<long>(column)[..length], slots, added);
            return;
        }
        // Hashes first, so the probe loop can prefetch the buckets of rows ahead (a large table misses the cache on each).
        var hashes = ScratchHashes(length);
        KeyGroups.HashInt64(column, length, hashes);
        var values = ArrowSpans.Values<long>(column);
        var validity = ArrowSpans.Validity(column);
        var prefetch = Sse.IsSupported && _buckets.Length > 1 << 15;
        for (var r = 0; r < length; r++)
        {
            if (prefetch)
            {
                if (r + PrefetchDistance < length) PrefetchBucket(hashes[r + PrefetchDistance]);
                if (r + KeyPrefetchDistance < length) PrefetchKeyValues(hashes[r + KeyPrefetchDistance]);
            }
            var value = validity.IsEmpty || BitUtility.GetBit(validity, column.Offset + r) ? values[r] : 0;
            slots[r] = GetOrAddInt64(value, hashes[r], out added[r]);
        }
    }

    // A state's table of one bigint key (count-1m: 1M keys over 0..999,999, half of them in each of two partitions) found
    // every row's key with a hash, a bucket that misses the cache and the slot's value that misses it again: a third of the
    // query's CPU. When its keys span at most DenseStateValuesPerKey values per key (judged at MinDenseStateKeys keys and at
    // every doubling, a scan of the keys each time), the keys move into a range twice their span, each found by one entry
    // read, and the buckets shrink to the keys outside it (the nulls, and those beyond the range, as ever). Slots, and so
    // everything the table gives (deltas, key groups), stay the same.
    private void TryMoveIntoDenseRange()
    {
        _nextDenseJudgement = _count >= int.MaxValue / 2 ? int.MaxValue : _count * 2;
        if (_dense is { HasRange: true }) return;
        // The range is judged from a sample of the keys, whose least and greatest 1% it leaves out: a few keys far away (a
        // sentinel, an outlier) stay in the buckets instead of keeping every other key there.
        Span<long> sample = stackalloc long[DenseStateSample];
        var step = Math.Max(1, _count / DenseStateSample);
        var taken = 0;
        var words = (_slotBound + 63) >> 6;
        var seen = 0;
        for (var w = 0; w < words && taken < sample.Length; w++)
            for (var bits = _live[w]; bits != 0 && taken < sample.Length; bits &= bits - 1, seen++)
            {
                var s = (w << 6) + BitOperations.TrailingZeroCount(bits);
                if (seen % step == 0 && _nullBits[s] == 0) sample[taken++] = _keyValues[s];
            }
        if (taken == 0) return;
        sample = sample[..taken];
        sample.Sort();
        long min = sample[taken / 100], max = sample[taken - 1 - taken / 100];
        var span = (Int128)max - min + 1;
        if (span > (Int128)_count * DenseStateValuesPerKey || span > DenseSlotMap.MaxEntries) return;
        (_dense ??= new DenseSlotMap()).LayOut(min, max, (int)Int128.Min(DenseSlotMap.MaxEntries, span * 2));
        var entries = _dense.Entries;
        var outside = 0;
        for (var w = 0; w < words; w++)
            for (var bits = _live[w]; bits != 0; bits &= bits - 1)
            {
                var s = (w << 6) + BitOperations.TrailingZeroCount(bits);
                if (_nullBits[s] == 0 && _dense.IndexOf(_keyValues[s]) is var i && i >= 0) entries[i] = s + 1;
                else outside++;
            }
        _denseResident = _count - outside;
        // The buckets hold the keys outside the range alone, at most half full as ever.
        var size = 16;
        while (size < 2L * (outside + 1)) size <<= 1;
        _buckets = size < _buckets.Length ? SlotArrays.New<ulong>(size) : _buckets;
        _mask = _buckets.Length - 1;
        RebuildBuckets();
    }

    // Rows without nulls while a dense range is laid out: a key in the range found before is read from its entry; the rest
    // are hashed and probed as ever (a key in the range then gets its entry).
    private void GetOrAddDense(ReadOnlySpan<long> values, Span<int> slots, Span<bool> added)
    {
        var dense = _dense!;
        var entries = dense.Entries;
        var first = dense.Base;
        var size = (ulong)dense.Size;
        // A state's range (a million keys) misses the cache on each entry as the buckets did: read ahead as they are.
        var prefetch = Sse.IsSupported && size > 1 << 15;
        for (var r = 0; r < values.Length; r++)
        {
            if (prefetch && r + PrefetchDistance < values.Length) PrefetchEntry(entries, (ulong)(values[r + PrefetchDistance] - first), size);
            var value = values[r];
            var i = (ulong)(value - first);
            if (i < size)
            {
                var cached = entries[i] - 1;
                if (cached >= 0)
                {
                    slots[r] = cached;
                    added[r] = false;
                    continue;
                }
                slots[r] = AddDenseResident(value, (int)i);
                added[r] = true;
                continue;
            }
            slots[r] = GetOrAddInt64(value, KeyHash.HashInt64Key(value, true), out added[r]);
        }
    }

    private int TryGetInt64(IArrowArray column, int length, Span<int> slots)
    {
        var hashes = ScratchHashes(length);
        KeyGroups.HashInt64(column, length, hashes);
        var values = ArrowSpans.Values<long>(column);
        var validity = ArrowSpans.Validity(column);
        var found = 0;
        for (var r = 0; r < length; r++)
        {
            var value = validity.IsEmpty || BitUtility.GetBit(validity, column.Offset + r) ? values[r] : 0;
            slots[r] = FindInt64(value, hashes[r]);
            if (slots[r] >= 0) found++;
        }
        return found;
    }

    private Span<ulong> ScratchHashes(int length)
    {
        if (_scratchHashes.Length < length) _scratchHashes = new ulong[Math.Max(length, _scratchHashes.Length * 2)];
        return _scratchHashes.AsSpan(0, length);
    }

    private static unsafe void PrefetchEntry(int[] entries, ulong index, ulong size)
    {
        if (index < size) Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(entries), (nint)index)));
    }

    private unsafe void PrefetchBucket(ulong hash) =>
        Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_buckets), (int)hash & _mask)));

    // A probe that finds its key reads the slot's values after the bucket, a second miss the bucket's prefetch cannot hide:
    // prefetched from the home bucket (usually the one that matches) once that bucket is in cache.
    private unsafe void PrefetchKeyValues(ulong hash)
    {
        var e = Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_buckets), (int)hash & _mask);
        if (e == 0 || (uint)(e >> 32) != (uint)hash) return;
        Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_keyValues), ((int)(uint)e - 1) * _width)));
    }

    private int GetOrAddInt64(long value, ulong hash, out bool added)
    {
        if (DenseEntryOf(value, hash) is var entry && entry >= 0)
        {
            var cached = _dense!.Entries[entry] - 1;
            added = cached < 0;
            return added ? AddDenseResident(value, entry) : cached;
        }
        var slot = ProbeInt64(value, hash, out var bucket);
        added = slot < 0;
        if (!added) return slot;
        slot = Insert(bucket, hash, default);
        _keyValues[slot] = value;
        _nullBits[slot] = value == 0 && hash == NullInt64Hash ? (byte)1 : (byte)0;
        return slot;
    }

    private int FindInt64(long value, ulong hash) =>
        DenseEntryOf(value, hash) is var entry && entry >= 0 ? _dense!.Entries[entry] - 1 : ProbeInt64(value, hash, out _);

    // While a dense range is laid out, a key not null whose value lies in it is held by its entry alone, never in the buckets:
    // a table emptied every epoch (a partial aggregation's) found each epoch's new keys with a hash, a probe of buckets grown
    // for the largest epoch and an insert there, all to be cleared again at its end (q12's source side: as much CPU as the
    // entry lookups of all the rows). The range is laid out only in an empty table and forgotten only when it is emptied, so
    // no key in it is ever in the buckets. The entry of value, or -1 (no range, out of it, or the null key: 0 with its hash).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int DenseEntryOf(long value, ulong hash) =>
        _dense is { HasRange: true } dense && (value != 0 || hash != NullInt64Hash) ? dense.IndexOf(value) : -1;

    // Adds a key held by its dense entry alone (see DenseEntryOf): a slot and its value, no bucket.
    private int AddDenseResident(long value, int entry)
    {
        var slot = AllocateSlot();
        _keyValues[slot] = value;
        _nullBits[slot] = 0;
        _count++;
        _denseResident++;
        _dense!.Entries[entry] = slot + 1;
        return slot;
    }

    // A live slot whose key its dense entry alone holds.
    private bool IsDenseResident(int slot) =>
        _dense is { HasRange: true } dense && _nullBits[slot] == 0 && dense.IndexOf(_keyValues[slot]) >= 0;

    // The key's slot, or -1 with the empty bucket where it would go.
    private int ProbeInt64(long value, ulong hash, out int bucket)
    {
        var buckets = _buckets;
        var mask = _mask;
        var tag = (uint)hash;
        var b = (int)hash & mask;
        while (true)
        {
            var e = buckets[b];
            if (e == 0)
            {
                bucket = b;
                return -1;
            }
            var s = (int)(uint)e - 1;
            if ((uint)(e >> 32) == tag && SameInt64(s, value, hash))
            {
                bucket = b;
                return s;
            }
            b = (b + 1) & mask;
        }
    }

    // Null is stored as value 0 with its null bit: the full hash tells a null key from the key 0 (their hashes differ), so
    // only value 0 reads the bit.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool SameInt64(int slot, long value, ulong hash) =>
        _keyValues[slot] == value && (value != 0 || (_nullBits[slot] != 0) == (hash == NullInt64Hash));

    private static readonly ulong NullInt64Hash = KeyHash.HashInt64Key(0, false);

    // The full hash of a live slot's key. A one-bigint key is hashed again from its value and null bit (the hash of its
    // encoding, as on the way in): only a removal, a bucket rebuild and a key group ask, and they would miss the cache on a
    // stored hash as they do on the value, while a stored hash doubled the bytes per slot that every add writes and every
    // growth copies (count-1m: a million keys). Wider keys keep theirs: a watermark's rebuild re-places most of them.
    private ulong HashOf(int slot) => _width == 1 ? KeyHash.HashInt64Key(_keyValues[slot], _nullBits[slot] == 0) : _hashes[slot];

    // Finds, or when adding adds, the key of each row of a fixed key; returns the number found. Rows go a chunk at a time,
    // so that their values, flags and hashes stay in cache from being read to being probed; hashes come a chunk ahead of
    // the probes, so the probe loop can prefetch the buckets of rows ahead (a large table misses the cache on each).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int ProbeFixedRows(IReadOnlyList<IArrowArray> keyColumns, int length, Span<int> slots, Span<bool> added, bool add)
    {
        var width = _width;
        var chunk = Math.Min(length, FixedKeys.ChunkRows);
        Span<long> values = stackalloc long[chunk * width];
        Span<byte> flags = stackalloc byte[chunk];
        Span<ulong> hashes = stackalloc ulong[chunk];
        var found = 0;
        for (var start = 0; start < length; start += chunk)
        {
            var n = Math.Min(chunk, length - start);
            FixedKeys.Load(keyColumns, start, values[..(n * width)], flags[..n], hashes[..n]);
            var prefetch = Sse.IsSupported && _buckets.Length > 1 << 15;
            if (prefetch)
                for (var r = 0; r < Math.Min(n, PrefetchDistance); r++) PrefetchBucket(hashes[r]);
            for (var r = 0; r < n; r++)
            {
                if (prefetch)
                {
                    if (r + PrefetchDistance < n) PrefetchBucket(hashes[r + PrefetchDistance]);
                    if (r + KeyPrefetchDistance < n) PrefetchKeyValues(hashes[r + KeyPrefetchDistance]);
                }
                var key = values.Slice(r * width, width);
                var slot = ProbeFixed(key, flags[r], hashes[r], out var bucket);
                if (add)
                {
                    added[start + r] = slot < 0;
                    if (slot < 0) slot = InsertFixed(bucket, hashes[r], key, flags[r]);
                }
                slots[start + r] = slot;
                if (slot >= 0) found++;
            }
        }
        return found;
    }

    // Adds a key whose probe ended at the empty bucket b.
    private int InsertFixed(int b, ulong hash, ReadOnlySpan<long> values, byte flags)
    {
        var slot = Insert(b, hash, default);
        values.CopyTo(_keyValues.AsSpan(slot * _width, _width));
        _nullBits[slot] = (byte)(flags & FixedKeys.NullBits);
        return slot;
    }

    // The key's slot, or -1 with the empty bucket where it would go.
    private int ProbeFixed(ReadOnlySpan<long> values, byte flags, ulong hash, out int bucket)
    {
        var buckets = _buckets;
        var mask = _mask;
        var tag = (uint)hash;
        var b = (int)hash & mask;
        while (true)
        {
            var e = buckets[b];
            if (e == 0)
            {
                bucket = b;
                return -1;
            }
            var s = (int)(uint)e - 1;
            if ((uint)(e >> 32) == tag && SameFixed(s, values, flags))
            {
                bucket = b;
                return s;
            }
            b = (b + 1) & mask;
        }
    }

    // Nulls are stored as 0, so the null bits are read only for a key with a zero or null column (see FixedKeys.ZeroFlag).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool SameFixed(int slot, ReadOnlySpan<long> values, byte flags)
    {
        var stored = _keyValues.AsSpan(slot * values.Length, values.Length);
        for (var c = 0; c < values.Length; c++)
            if (stored[c] != values[c]) return false;
        return flags < FixedKeys.ZeroFlag || _nullBits[slot] == (flags & FixedKeys.NullBits);
    }

    // KeyColumns of a key kept by value, built from the values as KeyEncoder.Decode builds them from the bytes: a value
    // buffer of the field's type, and a validity bitmap only when some key in the column is null. One pass over the slots
    // writes every column (a slot's values are adjacent: a million-key delta misses the cache once per slot, not once per
    // slot and column), and nulls are looked for again only when some slot has one.
    private IArrowArray[] ValueColumns(ReadOnlySpan<int> slots, BatchBuffers? buffers)
    {
        var width = _width;
        var writers = new FixedColumnWriter<long>[width];
        for (var c = 0; c < width; c++) writers[c] = new FixedColumnWriter<long>(slots.Length, buffers, clear: false);
        var keyValues = _keyValues;
        if (width == 1)
        {
            var values = writers[0].Values;
            for (var i = 0; i < slots.Length; i++)
            {
                var s = slots[i];
                var v = keyValues[s];
                values[i] = v;
                if (IsNullValue(s, 0)) writers[0].SetNull(i);
            }
        }
        else
        {
            var v0 = writers[0].Values;
            var v1 = writers[1].Values;
            var v2 = width > 2 ? writers[2].Values : default;
            var v3 = width > 3 ? writers[3].Values : default;
            var nullBits = _nullBits;
            var anyNull = 0;
            for (var i = 0; i < slots.Length; i++)
            {
                var s = slots[i];
                var at = s * width;
                v0[i] = keyValues[at];
                v1[i] = keyValues[at + 1];
                if (width > 2)
                {
                    v2[i] = keyValues[at + 2];
                    if (width > 3) v3[i] = keyValues[at + 3];
                }
                anyNull |= nullBits[s];
            }
            if (anyNull != 0)
                for (var i = 0; i < slots.Length; i++)
                    for (int bits = nullBits[slots[i]], c = 0; bits != 0; bits >>= 1, c++)
                        if ((bits & 1) != 0) writers[c].SetNull(i);
        }
        var fields = KeySchema.FieldsList;
        var result = new IArrowArray[width];
        for (var c = 0; c < width; c++) result[c] = writers[c].Build(fields[c].DataType);
        return result;
    }

    // A one-bigint key keeps no null bits: its null is the value 0 with the null key's hash (see SameInt64).
    private bool IsNullValue(int slot, int column) => ((_nullBits[slot] >> column) & 1) != 0;

    private int GetOrAdd(ReadOnlySpan<byte> key, ulong hash, out bool added)
    {
        if (_width == 1)
        {
            var value = Int64Of(key);
            return GetOrAddInt64(value, hash, out added);
        }
        if (_width > 1) return ProbeEncodedFixed(key, hash, add: true, out added);
        var tag = (uint)hash;
        var b = (int)hash & _mask;
        while (true)
        {
            var e = _buckets[b];
            if (e == 0) break;
            var s = (int)(uint)e - 1;
            if ((uint)(e >> 32) == tag && SameBytes(s, key))
            {
                added = false;
                return s;
            }
            b = (b + 1) & _mask;
        }
        added = true;
        return Insert(b, hash, key);
    }

    private int Find(ReadOnlySpan<byte> key, ulong hash)
    {
        if (_width == 1) return FindInt64(Int64Of(key), hash);
        if (_width > 1) return ProbeEncodedFixed(key, hash, add: false, out _);
        var tag = (uint)hash;
        var b = (int)hash & _mask;
        while (true)
        {
            var e = _buckets[b];
            if (e == 0) return -1;
            var s = (int)(uint)e - 1;
            if ((uint)(e >> 32) == tag && SameBytes(s, key)) return s;
            b = (b + 1) & _mask;
        }
    }

    // An encoded key of a table of fixed keys goes by value too, so keys added either way are found either way.
    private int ProbeEncodedFixed(ReadOnlySpan<byte> key, ulong hash, bool add, out bool added)
    {
        Span<long> values = stackalloc long[FixedKeys.MaxColumns];
        values = values[.._width];
        var flags = FixedKeys.Decode(key, values);
        var slot = ProbeFixed(values, flags, hash, out var bucket);
        added = add && slot < 0;
        return added ? InsertFixed(bucket, hash, values, flags) : slot;
    }

    private bool SameBytes(int slot, ReadOnlySpan<byte> key)
    {
        var r = _keyRefs[slot];
        return _arena.AsSpan(r.Start, r.Length).SequenceEqual(key);
    }

    // The value of an encoded one-bigint key: a marker byte, then 8 little-endian bytes (zeros for null).
    private static long Int64Of(ReadOnlySpan<byte> key)
    {
        // The encoder writes marker 1, or marker 0 with zero value bytes; anything else would not hash again to its hash.
        var value = key.Length == 1 + sizeof(long) ? BinaryPrimitives.ReadInt64LittleEndian(key[1..]) : 0;
        if (key.Length != 1 + sizeof(long) || key[0] > 1 || (key[0] == 0 && value != 0)) throw new ArgumentException("The encoded key is not a bigint key.", nameof(key));
        return value;
    }

    // Adds a key whose probe ended at the empty bucket b: its bytes go to the arena, or for a key kept by value (key empty)
    // the caller then stores its values.
    private int Insert(int b, ulong hash, ReadOnlySpan<byte> key)
    {
        ulong[]? outgrown = null;
        if ((_count - _denseResident + 1) * 2L > _buckets.Length)
        {
            outgrown = _buckets;
            GrowBuckets();
            b = EmptyBucketFrom(_buckets, (int)hash & _mask);
        }
        var slot = AllocateSlot(outgrown);
        if (_width != 1) _hashes[slot] = hash;
        if (_width == 0) _keyRefs[slot] = new KeyRef(AppendToArena(key), key.Length);
        _buckets[b] = Entry(hash, slot);
        _count++;
        return slot;
    }

    // A slot for a new key, the per-slot arrays grown when full. The buckets a table outgrows are twice its slots, and both
    // grow on the same key (the one that fills half the buckets fills the slots): the outgrown buckets, when the caller has
    // just replaced them, are exactly the size the grown hashes need, and become them instead of a new array (a sixth of
    // what a three-column key's growth allocated, and memory already faulted in).
    private int AllocateSlot(ulong[]? outgrownBuckets = null)
    {
        var slot = _freeCount > 0 ? _free[--_freeCount] : _slotBound++;
        if (slot == _live.Length << 6)
        {
            var size = Math.Max(64, _live.Length << 7);
            SlotArrays.Resize(ref _live, size >> 6);
            if (_width != 1 && !SlotArrays.ResizeInto(ref _hashes, outgrownBuckets, size)) SlotArrays.Resize(ref _hashes, size);
            if (_width == 0) SlotArrays.Resize(ref _keyRefs, size);
            else
            {
                SlotArrays.Resize(ref _keyValues, size * _width);
                SlotArrays.Resize(ref _nullBits, size);
            }
        }
        _live[slot >> 6] |= 1UL << slot;
        return slot;
    }

    private int AppendToArena(ReadOnlySpan<byte> key)
    {
        if (_arenaLength + key.Length > _arena.Length)
        {
            // Reclaim removed keys' bytes before growing when they make up at least half of the arena.
            if (_garbage * 2 >= _arenaLength && _garbage > 0) CompactArena();
            if (_arenaLength + key.Length > _arena.Length)
            {
                var size = (int)Math.Min(System.Array.MaxLength, Math.Max(_arenaLength + (long)key.Length, Math.Max(256L, _arena.Length * 2L)));
                if (size < _arenaLength + key.Length) throw new InvalidOperationException("The key table's key bytes exceed 2 GB.");
                SlotArrays.Resize(ref _arena, size);
            }
        }
        var start = _arenaLength;
        key.CopyTo(_arena.AsSpan(start));
        _arenaLength += key.Length;
        return start;
    }

    private void CompactArena()
    {
        var compacted = SlotArrays.New<byte>(_arena.Length);
        var pos = 0;
        for (var s = 0; s < _slotBound; s++)
        {
            var len = _keyRefs[s].Length;
            if (len == FreeLength) continue;
            _arena.AsSpan(_keyRefs[s].Start, len).CopyTo(compacted.AsSpan(pos));
            _keyRefs[s].Start = pos;
            pos += len;
        }
        _arena = compacted;
        _arenaLength = pos;
        _garbage = 0;
    }

    // Doubles the bucket array, re-placing entries from the old array's order (sequential reads; home from the stored hash bits).
    private void GrowBuckets()
    {
        var old = _buckets;
        var buckets = SlotArrays.New<ulong>(old.Length * 2);
        var mask = buckets.Length - 1;
        foreach (var e in old)
        {
            if (e == 0) continue;
            buckets[EmptyBucketFrom(buckets, HomeOf(e, mask))] = e;
        }
        _buckets = buckets;
        _mask = mask;
    }

    // A bucket holds the hash's low 32 bits (its home and a tag that rules out most mismatches) and slot + 1 (0 = empty).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Entry(ulong hash, int slot) => ((ulong)(uint)hash << 32) | (uint)(slot + 1);

    // Linear probing: the first empty bucket at or after home (the array is at most half full, so there is one).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int EmptyBucketFrom(ulong[] buckets, int home)
    {
        var mask = buckets.Length - 1;
        var b = home;
        while (buckets[b] != 0) b = (b + 1) & mask;
        return b;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int HomeOf(ulong entry, int mask) => (int)(uint)(entry >> 32) & mask;

    private void CheckLive(int slot)
    {
        if (!IsLive(slot)) throw new ArgumentOutOfRangeException(nameof(slot), slot, "The slot holds no key.");
    }

    // Where a slot's encoded key lies in the arena.
    private struct KeyRef(int start, int length)
    {
        public int Start = start;
        public int Length = length;
    }
}
