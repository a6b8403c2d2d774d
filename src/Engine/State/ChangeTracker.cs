using Apache.Arrow;

namespace OrleansStream.Engine.State;

/// <summary>
/// What changed in a keyed state since its last checkpoint: the slots written (each once) and the
/// keys removed (tombstones, kept as encoded keys because their slots may be reused by other keys before the checkpoint).
/// A key removed and then added again before the checkpoint is a change, not a removal.
/// </summary>
internal sealed class ChangeTracker
{
    private readonly KeyTable _tombstones;
    private readonly List<int> _dirtySlots = [];
    private bool[] _dirty = [];

    public ChangeTracker(Schema keySchema) => _tombstones = new KeyTable(keySchema);

    public long EstimatedBytes => _tombstones.EstimatedBytes + _dirty.Length + _dirtySlots.Capacity * 4L;

    /// <summary>Records a write to <paramref name="slot"/>. A removed slot keeps its flag, so a key that reuses it is not listed twice.</summary>
    public void MarkDirty(int slot)
    {
        if (slot >= _dirty.Length) System.Array.Resize(ref _dirty, Math.Max(slot + 1, Math.Max(16, _dirty.Length * 2)));
        if (_dirty[slot]) return;
        _dirty[slot] = true;
        _dirtySlots.Add(slot);
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
        // million keys that is most of their cost. Many changes: scan the flags; few: sort the list.
        if (_dirtySlots.Count * 8L >= keys.SlotBound)
        {
            var bound = Math.Min(keys.SlotBound, _dirty.Length);
            for (var s = 0; s < bound; s++)
                if (_dirty[s] && keys.IsLive(s)) slots.Add(s);
            return;
        }
        var first = slots.Count;
        foreach (var s in _dirtySlots)
            if (keys.IsLive(s)) slots.Add(s);
        slots.Sort(first, slots.Count - first, null);
    }

    /// <summary>Number of removed keys.</summary>
    public int RemovedCount => _tombstones.Count;

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
        foreach (var s in _dirtySlots) _dirty[s] = false;
        _dirtySlots.Clear();
        _tombstones.Clear();
    }
}
