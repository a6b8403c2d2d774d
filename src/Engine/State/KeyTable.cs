using System.Buffers.Binary;
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
/// so looking up or adding a key allocates nothing per row. A key of one bigint or timestamp column is also kept as a
/// long per slot and looked up by value, hashed without encoding (same hash as its encoding, so key groups do not change).
/// Removed slot ids are reused (last freed, first reused). Not thread-safe.
/// </summary>
public sealed class KeyTable
{
    private const int FreeLength = -1;
    // How many rows ahead the batch paths prefetch buckets: far enough to hide a cache miss, near enough to stay cached.
    private const int PrefetchDistance = 16;

    private readonly KeyEncoder _encoder;
    private readonly bool _int64Key;
    private ulong[] _buckets = new ulong[16];   // (uint)hash << 32 | slot + 1; 0 = empty
    private int _mask = 15;
    private ulong[] _hashes = [];
    private KeyRef[] _keyRefs = [];             // Length FreeLength for a free slot
    private long[] _int64Keys = [];             // the value of a one-bigint key (0 for null), when _int64Key
    private byte[] _arena = [];
    private int _arenaLength;
    private long _garbage;                      // bytes of removed keys still in the arena
    private int[] _free = [];
    private int _freeCount;
    private int _slotBound;
    private int _count;
    private int[] _scratchSlots = [];
    private bool[] _scratchAdded = [];
    private ulong[] _scratchHashes = [];

    /// <summary>Creates an empty table for keys of <paramref name="keySchema"/>.</summary>
    /// <exception cref="NotSupportedException">A key column's type cannot be a key.</exception>
    public KeyTable(Schema keySchema)
    {
        _encoder = new KeyEncoder(keySchema);
        _int64Key = keySchema.FieldsList.Count == 1 && keySchema.FieldsList[0].DataType.TypeId is ArrowTypeId.Int64 or ArrowTypeId.Timestamp;
    }

    /// <summary>The key schema.</summary>
    public Schema KeySchema => _encoder.KeySchema;

    /// <summary>Number of live keys.</summary>
    public int Count => _count;

    /// <summary>Exclusive upper bound of the slot ids handed out so far; per-slot arrays must hold this many entries.</summary>
    public int SlotBound => _slotBound;

    /// <summary>Estimated memory held by the table, in bytes.</summary>
    public long EstimatedBytes =>
        _buckets.Length * 8L + _hashes.Length * 8L + _keyRefs.Length * 8L + _int64Keys.Length * 8L + _arena.Length + _free.Length * 4L
        + _scratchSlots.Length * 5L + _scratchHashes.Length * 8L;

    /// <summary>Finds or adds the key of each of the first <paramref name="length"/> rows: <c>slots[r]</c> is the row's slot and
    /// <c>added[r]</c> is true for the row that added it (a key repeated within the batch is added once, by its first row).</summary>
    public void GetOrAdd(IReadOnlyList<IArrowArray> keyColumns, int length, Span<int> slots, Span<bool> added)
    {
        if (slots.Length < length || added.Length < length) throw new ArgumentException($"The output spans must hold {length} entries.");
        if (IsTypedInt64(keyColumns, length))
        {
            GetOrAddInt64(keyColumns[0], length, slots, added);
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
        var found = 0;
        if (IsTypedInt64(keyColumns, length))
        {
            var column = keyColumns[0];
            var hashes = ScratchHashes(length);
            KeyGroups.HashInt64(column, length, hashes);
            var values = ArrowSpans.Values<long>(column);
            var validity = ArrowSpans.Validity(column);
            for (var r = 0; r < length; r++)
            {
                var value = validity.IsEmpty || BitUtility.GetBit(validity, column.Offset + r) ? values[r] : 0;
                slots[r] = FindInt64(value, hashes[r]);
                if (slots[r] >= 0) found++;
            }
            return found;
        }
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
    public bool IsLive(int slot) => (uint)slot < (uint)_slotBound && _keyRefs[slot].Length != FreeLength;

    /// <summary>The encoded key of a live slot (valid until the table next changes).</summary>
    public ReadOnlySpan<byte> KeyBytes(int slot)
    {
        CheckLive(slot);
        return _arena.AsSpan(_keyRefs[slot].Start, _keyRefs[slot].Length);
    }

    /// <summary>Removes the key of a live slot; the slot id may be handed out again by a later add.</summary>
    public void Remove(int slot)
    {
        CheckLive(slot);
        var b = (int)_hashes[slot] & _mask;
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
        _garbage += _keyRefs[slot].Length;
        _keyRefs[slot].Length = FreeLength;
        if (_freeCount == _free.Length) System.Array.Resize(ref _free, Math.Max(16, _free.Length * 2));
        _free[_freeCount++] = slot;
        _count--;
    }

    /// <summary>Appends every live slot to <paramref name="slots"/>, in slot id order.</summary>
    public void LiveSlots(List<int> slots)
    {
        ArgumentNullException.ThrowIfNull(slots);
        for (var s = 0; s < _slotBound; s++)
            if (_keyRefs[s].Length != FreeLength) slots.Add(s);
    }

    /// <summary>The keys of <paramref name="slots"/> as one array per key field, in that order.</summary>
    public IArrowArray[] KeyColumns(ReadOnlySpan<int> slots)
    {
        var starts = new int[slots.Length];
        for (var i = 0; i < slots.Length; i++)
        {
            CheckLive(slots[i]);
            starts[i] = _keyRefs[slots[i]].Start;
        }
        return _encoder.Decode(_arena.AsSpan(0, _arenaLength), starts);
    }

    /// <summary>The key group of a live slot's key (same as <see cref="KeyGroups.Of"/> on its encoded key).</summary>
    public int KeyGroupOf(int slot, int numKeyGroups)
    {
        CheckLive(slot);
        ArgumentOutOfRangeException.ThrowIfLessThan(numKeyGroups, 1);
        return KeyGroups.FromHash(_hashes[slot], numKeyGroups);
    }

    /// <summary>Reads a bigint or timestamp key column of a live slot without decoding the key; false when it is null.</summary>
    public bool TryReadInt64(int slot, int keyColumn, out long value) => _encoder.TryReadInt64(KeyBytes(slot), keyColumn, out value);

    /// <summary>Removes every key and forgets all slot ids (the next key gets slot 0), keeping the allocated capacity.</summary>
    public void Clear()
    {
        System.Array.Clear(_buckets);
        _arenaLength = 0;
        _garbage = 0;
        _freeCount = 0;
        _slotBound = 0;
        _count = 0;
    }

    // A key column that is a real bigint/timestamp array (not the null type, which the encoder also accepts).
    private bool IsTypedInt64(IReadOnlyList<IArrowArray> keyColumns, int length)
    {
        ArgumentNullException.ThrowIfNull(keyColumns);
        if (!_int64Key || keyColumns.Count != 1 || !KeyGroups.IsInt64Key(keyColumns)) return false;
        var column = keyColumns[0];
        if (column.Data.DataType is TimestampType actual && actual.Unit != ((TimestampType)KeySchema.FieldsList[0].DataType).Unit) return false;
        if (column.Data.DataType.TypeId != KeySchema.FieldsList[0].DataType.TypeId) return false;
        if (column.Length < length) throw new ArgumentException($"Key column '{KeySchema.FieldsList[0].Name}' has {column.Length} rows, fewer than {length}.");
        return true;
    }

    private void GetOrAddInt64(IArrowArray column, int length, Span<int> slots, Span<bool> added)
    {
        // Hashes first, so the probe loop can prefetch the buckets of rows ahead (a large table misses the cache on each).
        var hashes = ScratchHashes(length);
        KeyGroups.HashInt64(column, length, hashes);
        var values = ArrowSpans.Values<long>(column);
        var validity = ArrowSpans.Validity(column);
        var prefetch = Sse.IsSupported && _buckets.Length > 1 << 15;
        for (var r = 0; r < length; r++)
        {
            if (prefetch && r + PrefetchDistance < length) PrefetchBucket(hashes[r + PrefetchDistance]);
            var value = validity.IsEmpty || BitUtility.GetBit(validity, column.Offset + r) ? values[r] : 0;
            slots[r] = GetOrAddInt64(value, hashes[r], out added[r]);
        }
    }

    private Span<ulong> ScratchHashes(int length)
    {
        if (_scratchHashes.Length < length) _scratchHashes = new ulong[Math.Max(length, _scratchHashes.Length * 2)];
        return _scratchHashes.AsSpan(0, length);
    }

    private unsafe void PrefetchBucket(ulong hash) =>
        Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_buckets), (int)hash & _mask)));

    private int GetOrAddInt64(long value, ulong hash, out bool added)
    {
        var slot = ProbeInt64(value, hash, out var bucket);
        added = slot < 0;
        if (!added) return slot;
        Span<byte> key = stackalloc byte[1 + sizeof(long)];
        EncodeInt64(hash, value, key);
        return Insert(bucket, hash, key, value);
    }

    private int FindInt64(long value, ulong hash) => ProbeInt64(value, hash, out _);

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

    // Null is stored as value 0: the full hash tells a null key from the key 0 (their hashes differ), so only value 0 reads it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool SameInt64(int slot, long value, ulong hash) => _int64Keys[slot] == value && (value != 0 || _hashes[slot] == hash);

    private static readonly ulong NullInt64Hash = KeyHash.HashInt64Key(0, false);

    private static void EncodeInt64(ulong hash, long value, Span<byte> key)
    {
        var valid = value != 0 || hash != NullInt64Hash;
        key[0] = valid ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt64LittleEndian(key[1..], value);
    }

    private int GetOrAdd(ReadOnlySpan<byte> key, ulong hash, out bool added)
    {
        if (_int64Key)
        {
            var value = Int64Of(key);
            return GetOrAddInt64(value, hash, out added);
        }
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
        return Insert(b, hash, key, 0);
    }

    private int Find(ReadOnlySpan<byte> key, ulong hash)
    {
        if (_int64Key) return FindInt64(Int64Of(key), hash);
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

    private bool SameBytes(int slot, ReadOnlySpan<byte> key)
    {
        var r = _keyRefs[slot];
        return _arena.AsSpan(r.Start, r.Length).SequenceEqual(key);
    }

    // The value of an encoded one-bigint key: a marker byte, then 8 little-endian bytes (zeros for null).
    private static long Int64Of(ReadOnlySpan<byte> key)
    {
        if (key.Length != 1 + sizeof(long) || key[0] > 1) throw new ArgumentException("The encoded key is not a bigint key.", nameof(key));
        return BinaryPrimitives.ReadInt64LittleEndian(key[1..]);
    }

    // Adds a key whose probe ended at the empty bucket b.
    private int Insert(int b, ulong hash, ReadOnlySpan<byte> key, long int64Key)
    {
        if ((_count + 1) * 2L > _buckets.Length)
        {
            GrowBuckets();
            b = (int)hash & _mask;
            while (_buckets[b] != 0) b = (b + 1) & _mask;
        }
        var slot = AllocateSlot();
        _hashes[slot] = hash;
        _keyRefs[slot] = new KeyRef(AppendToArena(key), key.Length);
        if (_int64Key) _int64Keys[slot] = int64Key;
        _buckets[b] = ((ulong)(uint)hash << 32) | (uint)(slot + 1);
        _count++;
        return slot;
    }

    private int AllocateSlot()
    {
        if (_freeCount > 0) return _free[--_freeCount];
        if (_slotBound == _hashes.Length)
        {
            var size = Math.Max(16, _hashes.Length * 2);
            System.Array.Resize(ref _hashes, size);
            System.Array.Resize(ref _keyRefs, size);
            if (_int64Key) System.Array.Resize(ref _int64Keys, size);
        }
        return _slotBound++;
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
                System.Array.Resize(ref _arena, size);
            }
        }
        var start = _arenaLength;
        key.CopyTo(_arena.AsSpan(start));
        _arenaLength += key.Length;
        return start;
    }

    private void CompactArena()
    {
        var compacted = new byte[_arena.Length];
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
        var buckets = new ulong[old.Length * 2];
        var mask = buckets.Length - 1;
        foreach (var e in old)
        {
            if (e == 0) continue;
            var b = HomeOf(e, mask);
            while (buckets[b] != 0) b = (b + 1) & mask;
            buckets[b] = e;
        }
        _buckets = buckets;
        _mask = mask;
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
