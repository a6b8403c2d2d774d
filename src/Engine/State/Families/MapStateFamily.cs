namespace OrleansStream.Engine.State.Families;

/// <summary>
/// A map of entry keys to values (both bytes) per grouping key: Spark's MapState. Each entry is its own state row, so a
/// delta carries only the entries written or removed; with a time to live, each entry expires on its own.
/// </summary>
public sealed class MapStateFamily : StateFamily
{
    private readonly Dictionary<StateKey, SortedDictionary<StateKey, (byte[] Value, long Expiry)>> _maps = new();
    private readonly HashSet<(StateKey Key, StateKey Entry)> _changed = new();

    internal MapStateFamily(KeyedStateStore store, string name, long? ttlMicros) : base(store, name, ttlMicros) { }

    /// <inheritdoc />
    public override StateFamilyKind Kind => StateFamilyKind.Map;

    /// <inheritdoc />
    public override int KeyCount => _maps.Count;

    /// <summary>The grouping keys that hold state (a copy: clearing them while iterating is fine).</summary>
    public IReadOnlyList<StateKey> Keys => [.. _maps.Keys];

    /// <summary>True when the map of <paramref name="key"/> has <paramref name="entry"/>.</summary>
    public bool ContainsKey(StateKey key, StateKey entry) => _maps.TryGetValue(key, out var m) && m.ContainsKey(entry);

    /// <summary>The value of <paramref name="entry"/> in the map of <paramref name="key"/>, or null.</summary>
    public byte[]? Get(StateKey key, StateKey entry) => _maps.TryGetValue(key, out var m) && m.TryGetValue(entry, out var v) ? v.Value : null;

    /// <summary>The entries of the map of <paramref name="key"/>, in entry key byte order.</summary>
    public IEnumerable<(StateKey Entry, byte[] Value)> Entries(StateKey key) =>
        _maps.TryGetValue(key, out var m) ? m.Select(kv => (kv.Key, kv.Value.Value)) : [];

    /// <summary>Sets <paramref name="entry"/> in the map of <paramref name="key"/>.</summary>
    public void Put(StateKey key, StateKey entry, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!_maps.TryGetValue(key, out var m)) _maps[key] = m = new SortedDictionary<StateKey, (byte[], long)>();
        var expiry = NewExpiry();
        m[entry] = (value, expiry);
        _changed.Add((key, entry));
        TrackTtl(key, entry, expiry);
    }

    /// <summary>Removes <paramref name="entry"/> from the map of <paramref name="key"/>; false when it was not there.</summary>
    public bool Remove(StateKey key, StateKey entry)
    {
        if (!_maps.TryGetValue(key, out var m) || !m.Remove(entry)) return false;
        if (m.Count == 0) _maps.Remove(key);
        _changed.Add((key, entry));
        return true;
    }

    /// <summary>Removes the whole map of <paramref name="key"/>; false when it had none.</summary>
    public bool Clear(StateKey key)
    {
        if (!_maps.Remove(key, out var m)) return false;
        foreach (var entry in m.Keys) _changed.Add((key, entry));
        return true;
    }

    internal override int ChangedCount => _changed.Count;

    internal override void AppendDelta(List<StateRow> rows)
    {
        foreach (var (key, entry) in _changed)
        {
            rows.Add(_maps.TryGetValue(key, out var m) && m.TryGetValue(entry, out var v)
                ? new StateRow(Name, false, key, entry.Array, v.Value, v.Expiry)
                : new StateRow(Name, true, key, entry.Array, null, 0));
        }
    }

    internal override void AppendSnapshot(List<StateRow> rows)
    {
        foreach (var (key, m) in _maps.OrderBy(kv => kv.Key))
            foreach (var (entry, v) in m) rows.Add(new StateRow(Name, false, key, entry.Array, v.Value, v.Expiry));
    }

    internal override void Apply(in StateRow row)
    {
        if (row.Entry is null)
        {
            if (row.Deleted) _maps.Remove(row.Key);
            return;
        }
        var entry = new StateKey(row.Entry);
        if (row.Deleted)
        {
            if (_maps.TryGetValue(row.Key, out var existing) && existing.Remove(entry) && existing.Count == 0) _maps.Remove(row.Key);
            return;
        }
        if (!_maps.TryGetValue(row.Key, out var m)) _maps[row.Key] = m = new SortedDictionary<StateKey, (byte[], long)>();
        m[entry] = (row.Value ?? [], row.Expiry);
        TrackTtl(row.Key, entry, row.Expiry);
    }

    internal override void ClearChanges() => _changed.Clear();

    internal override bool ExpireIfStill(StateKey key, StateKey? entry, long expiry)
    {
        if (entry is not { } e || !_maps.TryGetValue(key, out var m) || !m.TryGetValue(e, out var v) || v.Expiry != expiry) return false;
        return Remove(key, e);
    }
}
