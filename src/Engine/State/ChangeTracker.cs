using Apache.Arrow;

namespace OrleansStream.Engine.State;

/// <summary>
/// What changed in a keyed state since its last checkpoint: the slots written (a bit per slot) and the
/// keys removed (tombstones, kept as encoded keys because their slots may be reused by other keys before the checkpoint).
/// A key removed and then added again before the checkpoint is a change, not a removal.
/// </summary>
internal sealed class ChangeTracker
{
    private readonly KeyTable _tombstones;
    private ulong[] _dirty = [];
    private int _dirtyWords;    // words that may have a bit set: Clear zeroes only those

    public ChangeTracker(Schema keySchema) => _tombstones = new KeyTable(keySchema);

    public long EstimatedBytes => _tombstones.EstimatedBytes + _dirty.Length * 8L;

    /// <summary>Records a write to <paramref name="slot"/>. A removed slot keeps its bit, so a key that reuses it is not listed twice.</summary>
    public void MarkDirty(int slot)
    {
        var word = slot >> 6;
        if (word >= _dirty.Length) SlotArrays.Resize(ref _dirty, Math.Max(word + 1, Math.Max(4, _dirty.Length * 2)));
        _dirty[word] |= 1UL << slot;
        if (word >= _dirtyWords) _dirtyWords = word + 1;
    }

    /// <summary>Makes room for the bits of <paramref name="words"/> words of slots, so that recording them later allocates nothing.</summary>
    public void Reserve(int words)
    {
        if (words > _dirty.Length) SlotArrays.Resize(ref _dirty, Math.Max(words, Math.Max(4, _dirty.Length * 2)));
    }

    /// <summary>Records a write to every slot whose bit is set in <paramref name="slotBits"/> (word w holds slots 64w..64w+63),
    /// as <see cref="MarkDirty(int)"/> of each would.</summary>
    public void MarkDirty(ReadOnlySpan<ulong> slotBits)
    {
        var words = slotBits.Length;
        while (words > 0 && slotBits[words - 1] == 0) words--;
        if (words == 0) return;
        Reserve(words);
        for (var w = 0; w < words; w++) _dirty[w] |= slotBits[w];
        if (words > _dirtyWords) _dirtyWords = words;
    }

    /// <summary>Call when a key is added: it is no longer a removal.</summary>
    public void OnAdded(ReadOnlySpan<byte> encodedKey)
    {
        if (_tombstones.Count > 0 && _tombstones.TryGet(encodedKey, out var t)) _tombstones.Remove(t);
    }

    /// <summary>Call before a key is removed.</summary>
    public void OnRemoved(ReadOnlySpan<byte> encodedKey) => _tombstones.GetOrAdd(encodedKey, out _);

    /// <summary>Appends the written slots that still hold a key, in slot id order.</summary>
    public void ChangedLiveSlots(KeyTable keys, List<int> slots)
    {
        // In slot order, the delta's gathers of keys and buffers walk memory forward instead of jumping at random: with a
        // million keys that is most of their cost. A bit per slot yields that order at a cost per word plus per change.
        // A word of the table's live bitmap drops the removed slots without reading their keys.
        var words = Math.Min(_dirtyWords, (keys.SlotBound + 63) >> 6);
        for (var w = 0; w < words; w++) SlotBits.AddSetBits(slots, w, _dirty[w] & keys.LiveWord(w));
    }

    /// <summary>Number of removed keys (not counting those a range removal covers).</summary>
    public int RemovedCount => _tombstones.Count;

    /// <summary>The range removal recorded since the last checkpoint: every key whose key column <c>Column</c> was at most
    /// <c>AtOrBelow</c> was removed. Null when there was none.</summary>
    public (int Column, long AtOrBelow)? RangeRemoval { get; private set; }

    /// <summary>
    /// Records that every key whose key column <paramref name="column"/> is at most <paramref name="atOrBelow"/> was removed,
    /// in place of a tombstone per key. False (nothing recorded) when a range on another column is recorded already.
    /// Ranges on one column combine into the highest: a delta applies its range before its rows, and its rows hold every
    /// key written since, so a key removed by the lower range and written again is restored by its row.
    /// </summary>
    public bool OnRangeRemoved(int column, long atOrBelow)
    {
        if (RangeRemoval is { } range && range.Column != column) return false;
        RangeRemoval = (column, RangeRemoval is { } r ? Math.Max(r.AtOrBelow, atOrBelow) : atOrBelow);
        return true;
    }

    /// <summary>The removed keys as key columns.</summary>
    public IArrowArray[] RemovedKeys()
    {
        var slots = new List<int>(_tombstones.Count);
        _tombstones.LiveSlots(slots);
        return _tombstones.KeyColumns(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(slots));
    }

    /// <summary>Forgets every change (after a checkpoint).</summary>
    public void Clear()
    {
        System.Array.Clear(_dirty, 0, _dirtyWords);
        _dirtyWords = 0;
        _tombstones.Clear();
        RangeRemoval = null;
    }
}
