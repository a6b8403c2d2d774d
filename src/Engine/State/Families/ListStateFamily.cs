using System.Buffers.Binary;

namespace OrleansStream.Engine.State.Families;

/// <summary>
/// An ordered list of values (bytes) per grouping key: Spark's ListState (and the shape of a join buffer). A key's list is
/// one state row (its items length-prefixed in one value), so appending rewrites the key's row in the delta; with a time
/// to live, the whole list expires that long after its last write.
/// </summary>
public sealed class ListStateFamily : StateFamily
{
    private static readonly IReadOnlyList<byte[]> s_empty = [];
    private readonly Dictionary<StateKey, (List<byte[]> Items, long Expiry)> _lists = new();
    private readonly HashSet<StateKey> _changed = new();

    internal ListStateFamily(KeyedStateStore store, string name, long? ttlMicros) : base(store, name, ttlMicros) { }

    /// <inheritdoc />
    public override StateFamilyKind Kind => StateFamilyKind.List;

    /// <inheritdoc />
    public override int KeyCount => _lists.Count;

    /// <summary>The grouping keys that hold state (a copy: clearing them while iterating is fine).</summary>
    public IReadOnlyList<StateKey> Keys => [.. _lists.Keys];

    /// <summary>True when <paramref name="key"/> has a non-empty list.</summary>
    public bool Exists(StateKey key) => _lists.ContainsKey(key);

    /// <summary>The list of <paramref name="key"/> (empty when it has none).</summary>
    public IReadOnlyList<byte[]> Get(StateKey key) => _lists.TryGetValue(key, out var l) ? l.Items : s_empty;

    /// <summary>Appends <paramref name="value"/> to the list of <paramref name="key"/>.</summary>
    public void Append(StateKey key, byte[] value) => AppendList(key, [value]);

    /// <summary>Appends <paramref name="values"/> to the list of <paramref name="key"/>.</summary>
    public void AppendList(StateKey key, IEnumerable<byte[]> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var items = _lists.TryGetValue(key, out var l) ? l.Items : [];
        foreach (var v in values) items.Add(v ?? throw new ArgumentException("A list item cannot be null.", nameof(values)));
        Set(key, items);
    }

    /// <summary>Replaces the list of <paramref name="key"/> (an empty list clears it).</summary>
    public void Put(StateKey key, IEnumerable<byte[]> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        Set(key, values.Select(v => v ?? throw new ArgumentException("A list item cannot be null.", nameof(values))).ToList());
    }

    /// <summary>Removes the list of <paramref name="key"/>; false when it had none.</summary>
    public bool Clear(StateKey key)
    {
        if (!_lists.Remove(key)) return false;
        _changed.Add(key);
        return true;
    }

    private void Set(StateKey key, List<byte[]> items)
    {
        if (items.Count == 0)
        {
            Clear(key);
            return;
        }
        var expiry = NewExpiry();
        _lists[key] = (items, expiry);
        _changed.Add(key);
        TrackTtl(key, null, expiry);
    }

    internal override void AppendDelta(List<StateRow> rows)
    {
        foreach (var key in _changed.Order())
            rows.Add(_lists.TryGetValue(key, out var l) ? new StateRow(Name, false, key, null, Encode(l.Items), l.Expiry) : new StateRow(Name, true, key, null, null, 0));
    }

    internal override void AppendSnapshot(List<StateRow> rows)
    {
        foreach (var (key, l) in _lists.OrderBy(kv => kv.Key)) rows.Add(new StateRow(Name, false, key, null, Encode(l.Items), l.Expiry));
    }

    internal override void Apply(in StateRow row)
    {
        if (row.Deleted) _lists.Remove(row.Key);
        else
        {
            _lists[row.Key] = (Decode(row.Value ?? []), row.Expiry);
            TrackTtl(row.Key, null, row.Expiry);
        }
    }

    internal override void ClearChanges() => _changed.Clear();

    internal override bool ExpireIfStill(StateKey key, StateKey? entry, long expiry)
    {
        if (!_lists.TryGetValue(key, out var l) || l.Expiry != expiry) return false;
        return Clear(key);
    }

    // Each item as a 4-byte little-endian length and its bytes.
    private static byte[] Encode(List<byte[]> items)
    {
        var bytes = new byte[items.Sum(i => 4 + i.Length)];
        var at = 0;
        foreach (var item in items)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), item.Length);
            item.CopyTo(bytes, at + 4);
            at += 4 + item.Length;
        }
        return bytes;
    }

    private static List<byte[]> Decode(byte[] bytes)
    {
        var items = new List<byte[]>();
        for (var at = 0; at < bytes.Length;)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at));
            if (length < 0 || at + 4 + length > bytes.Length) throw new InvalidDataException("A list state row is malformed.");
            items.Add(bytes.AsSpan(at + 4, length).ToArray());
            at += 4 + length;
        }
        return items;
    }
}
