namespace OrleansStream.Engine.State.Families;

/// <summary>One value (bytes) per grouping key: Spark's ValueState.</summary>
public sealed class ValueStateFamily : StateFamily
{
    private readonly Dictionary<StateKey, (byte[] Value, long Expiry)> _values = new();
    // Each key changed since the last delta with what it holds now (null: removed), so that the delta, on the commit path,
    // needs no look-up in the family's (large) value map.
    private readonly ChangeSet<StateKey, (byte[]? Value, long Expiry)> _changes = new();

    internal ValueStateFamily(KeyedStateStore store, string name, long? ttlMicros) : base(store, name, ttlMicros) { }

    /// <inheritdoc />
    public override StateFamilyKind Kind => StateFamilyKind.Value;

    /// <inheritdoc />
    public override int KeyCount => _values.Count;

    /// <summary>The grouping keys that hold state (a copy: clearing them while iterating is fine).</summary>
    public IReadOnlyList<StateKey> Keys => [.. _values.Keys];

    /// <summary>True when <paramref name="key"/> has a value.</summary>
    public bool Exists(StateKey key) => _values.ContainsKey(key);

    /// <summary>The value of <paramref name="key"/>, or null.</summary>
    public byte[]? Get(StateKey key) => _values.TryGetValue(key, out var v) ? v.Value : null;

    /// <summary>Sets the value of <paramref name="key"/> (the family keeps <paramref name="value"/>: do not change it afterwards).</summary>
    public void Update(StateKey key, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var expiry = NewExpiry();
        _values[key] = (value, expiry);
        _changes.Current[key] = (value, expiry);
        TrackTtl(key, null, expiry);
    }

    /// <summary>Removes the value of <paramref name="key"/>; false when it had none.</summary>
    public bool Clear(StateKey key)
    {
        if (!_values.Remove(key)) return false;
        _changes.Current[key] = (null, 0);
        return true;
    }

    internal override int ChangedCount => _changes.Current.Count;

    internal override void AppendDelta(List<StateRow> rows) => AppendDelta(_changes.Current, rows);

    // The values themselves are never changed (Update keeps a new array), so the changes carry their delta rows as they are.
    internal override Action<List<StateRow>> DetachDelta() => _changes.Detach(AppendDelta);

    private void AppendDelta(Dictionary<StateKey, (byte[]? Value, long Expiry)> changed, List<StateRow> rows)
    {
        foreach (var (key, v) in changed) rows.Add(new StateRow(Name, v.Value is null, key, null, v.Value, v.Expiry));
    }

    internal override void AppendSnapshot(List<StateRow> rows)
    {
        // Sorted as arrays with the key's own comparison (a million keys: no LINQ ordering buffers, no delegate per compare).
        var keys = new StateKey[_values.Count];
        var values = new (byte[] Value, long Expiry)[keys.Length];
        _values.Keys.CopyTo(keys, 0);
        _values.Values.CopyTo(values, 0);
        Array.Sort(keys, values);
        for (var i = 0; i < keys.Length; i++) rows.Add(new StateRow(Name, false, keys[i], null, values[i].Value, values[i].Expiry));
    }

    internal override void Apply(in StateRow row)
    {
        if (row.Deleted) _values.Remove(row.Key);
        else
        {
            _values[row.Key] = (row.Value ?? [], row.Expiry);
            TrackTtl(row.Key, null, row.Expiry);
        }
    }

    internal override void ClearChanges() => _changes.Current.Clear();

    internal override bool ExpireIfStill(StateKey key, StateKey? entry, long expiry)
    {
        if (!_values.TryGetValue(key, out var v) || v.Expiry != expiry) return false;
        return Clear(key);
    }
}
