using Apache.Arrow;

namespace OrleansStream.Engine.State;

/// <summary>
/// Maps encoded keys (see <see cref="KeyEncoder"/>) to dense int slot ids, so that per-key state can live in plain arrays
/// indexed by slot. Open addressing with linear probing over one int bucket array; key bytes live in a single byte arena,
/// so looking up or adding a key allocates nothing per row. Removed slot ids are reused (last freed, first reused).
/// Not thread-safe.
/// </summary>
public sealed class KeyTable
{
    private int[] _scratchSlots = [];
    private bool[] _scratchAdded = [];
    private const int FreeLength = -1;

    private readonly KeyEncoder _encoder;
    private int[] _buckets = new int[16];   // slot + 1; 0 = empty
    private int _mask = 15;
    private ulong[] _hashes = [];
    private int[] _keyStart = [];
    private int[] _keyLength = [];          // FreeLength for a free slot
    private byte[] _arena = [];
    private int _arenaLength;
    private long _garbage;                  // bytes of removed keys still in the arena
    private int[] _free = [];
    private int _freeCount;
    private int _slotBound;
    private int _count;

    /// <summary>Creates an empty table for keys of <paramref name="keySchema"/>.</summary>
    /// <exception cref="NotSupportedException">A key column's type cannot be a key.</exception>
    public KeyTable(Schema keySchema) => _encoder = new KeyEncoder(keySchema);

    /// <summary>The key schema.</summary>
    public Schema KeySchema => _encoder.KeySchema;

    /// <summary>Number of live keys.</summary>
    public int Count => _count;

    /// <summary>Exclusive upper bound of the slot ids handed out so far; per-slot arrays must hold this many entries.</summary>
    public int SlotBound => _slotBound;

    /// <summary>Estimated memory held by the table, in bytes.</summary>
    public long EstimatedBytes =>
        _buckets.Length * 4L + _hashes.Length * 8L + _keyStart.Length * 4L + _keyLength.Length * 4L + _arena.Length + _free.Length * 4L
        + _scratchSlots.Length * 5L;

    /// <summary>Finds or adds the key of each of the first <paramref name="length"/> rows: <c>slots[r]</c> is the row's slot and
    /// <c>added[r]</c> is true for the row that added it (a key repeated within the batch is added once, by its first row).</summary>
    public void GetOrAdd(IReadOnlyList<IArrowArray> keyColumns, int length, Span<int> slots, Span<bool> added)
    {
        if (slots.Length < length || added.Length < length) throw new ArgumentException($"The output spans must hold {length} entries.");
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
        _encoder.Encode(keyColumns, length);
        var found = 0;
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
    public bool IsLive(int slot) => (uint)slot < (uint)_slotBound && _keyLength[slot] != FreeLength;

    /// <summary>The encoded key of a live slot (valid until the table next changes).</summary>
    public ReadOnlySpan<byte> KeyBytes(int slot)
    {
        CheckLive(slot);
        return _arena.AsSpan(_keyStart[slot], _keyLength[slot]);
    }

    /// <summary>Removes the key of a live slot; the slot id may be handed out again by a later add.</summary>
    public void Remove(int slot)
    {
        CheckLive(slot);
        var hash = _hashes[slot];
        var b = (int)hash & _mask;
        while (_buckets[b] != slot + 1) b = (b + 1) & _mask;
        // Backward-shift deletion keeps linear probing correct without tombstones: move later entries of the cluster
        // into the hole unless their home bucket lies cyclically within (hole, entry].
        var hole = b;
        var j = b;
        while (true)
        {
            j = (j + 1) & _mask;
            var e = _buckets[j];
            if (e == 0) break;
            var home = (int)_hashes[e - 1] & _mask;
            var stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
            if (stays) continue;
            _buckets[hole] = e;
            hole = j;
        }
        _buckets[hole] = 0;
        _garbage += _keyLength[slot];
        _keyLength[slot] = FreeLength;
        if (_freeCount == _free.Length) System.Array.Resize(ref _free, Math.Max(16, _free.Length * 2));
        _free[_freeCount++] = slot;
        _count--;
    }

    /// <summary>Appends every live slot to <paramref name="slots"/>, in slot id order.</summary>
    public void LiveSlots(List<int> slots)
    {
        ArgumentNullException.ThrowIfNull(slots);
        for (var s = 0; s < _slotBound; s++)
            if (_keyLength[s] != FreeLength) slots.Add(s);
    }

    /// <summary>The keys of <paramref name="slots"/> as one array per key field, in that order.</summary>
    public IArrowArray[] KeyColumns(ReadOnlySpan<int> slots)
    {
        var starts = new int[slots.Length];
        for (var i = 0; i < slots.Length; i++)
        {
            CheckLive(slots[i]);
            starts[i] = _keyStart[slots[i]];
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

    private int GetOrAdd(ReadOnlySpan<byte> key, ulong hash, out bool added)
    {
        var b = (int)hash & _mask;
        while (true)
        {
            var e = _buckets[b];
            if (e == 0) break;
            var s = e - 1;
            if (_hashes[s] == hash && _arena.AsSpan(_keyStart[s], _keyLength[s]).SequenceEqual(key))
            {
                added = false;
                return s;
            }
            b = (b + 1) & _mask;
        }
        added = true;
        if ((_count + 1) * 2L > _buckets.Length)
        {
            GrowBuckets();
            b = (int)hash & _mask;
            while (_buckets[b] != 0) b = (b + 1) & _mask;
        }
        var slot = AllocateSlot();
        _hashes[slot] = hash;
        _keyStart[slot] = AppendToArena(key);
        _keyLength[slot] = key.Length;
        _buckets[b] = slot + 1;
        _count++;
        return slot;
    }

    private int Find(ReadOnlySpan<byte> key, ulong hash)
    {
        var b = (int)hash & _mask;
        while (true)
        {
            var e = _buckets[b];
            if (e == 0) return -1;
            var s = e - 1;
            if (_hashes[s] == hash && _arena.AsSpan(_keyStart[s], _keyLength[s]).SequenceEqual(key)) return s;
            b = (b + 1) & _mask;
        }
    }

    private int AllocateSlot()
    {
        if (_freeCount > 0) return _free[--_freeCount];
        if (_slotBound == _hashes.Length)
        {
            var size = Math.Max(16, _hashes.Length * 2);
            System.Array.Resize(ref _hashes, size);
            System.Array.Resize(ref _keyStart, size);
            System.Array.Resize(ref _keyLength, size);
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
            var len = _keyLength[s];
            if (len == FreeLength) continue;
            _arena.AsSpan(_keyStart[s], len).CopyTo(compacted.AsSpan(pos));
            _keyStart[s] = pos;
            pos += len;
        }
        _arena = compacted;
        _arenaLength = pos;
        _garbage = 0;
    }

    private void GrowBuckets()
    {
        var size = _buckets.Length * 2;
        var buckets = new int[size];
        var mask = size - 1;
        for (var s = 0; s < _slotBound; s++)
        {
            if (_keyLength[s] == FreeLength) continue;
            var b = (int)_hashes[s] & mask;
            while (buckets[b] != 0) b = (b + 1) & mask;
            buckets[b] = s + 1;
        }
        _buckets = buckets;
        _mask = mask;
    }

    private void CheckLive(int slot)
    {
        if (!IsLive(slot)) throw new ArgumentOutOfRangeException(nameof(slot), slot, "The slot holds no key.");
    }
}
