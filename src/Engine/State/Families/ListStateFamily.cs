using System.Buffers.Binary;

namespace OrleansStream.Engine.State.Families;

/// <summary>
/// An ordered list of values (bytes) per grouping key: Spark's ListState (and the shape of a join buffer). A key's list is
/// one state row (its items length-prefixed in one value), so appending rewrites the key's row in the delta. With a time
/// to live, each element expires that long after its own write (Spark's rule: an appended element gets a new expiry, the
/// others keep theirs; put renews them all), and the row carries each element's expiry before its length.
/// </summary>
public sealed class ListStateFamily : StateFamily
{
    private static readonly IReadOnlyList<byte[]> s_empty = [];
    private readonly Dictionary<StateKey, (List<byte[]> Items, List<long> Expiries)> _lists = new();
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
        var (items, expiries) = _lists.TryGetValue(key, out var l) ? l : ([], []);
        var expiry = NewExpiry();
        var added = 0;
        foreach (var v in values)
        {
            items.Add(v ?? throw new ArgumentException("A list item cannot be null.", nameof(values)));
            expiries.Add(expiry);
            added++;
        }
        Set(key, items, expiries, added > 0 ? expiry : null);
    }

    /// <summary>Replaces the list of <paramref name="key"/> (an empty list clears it).</summary>
    public void Put(StateKey key, IEnumerable<byte[]> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var items = values.Select(v => v ?? throw new ArgumentException("A list item cannot be null.", nameof(values))).ToList();
        var expiry = NewExpiry();
        Set(key, items, items.Select(_ => expiry).ToList(), expiry);
    }

    /// <summary>Removes the list of <paramref name="key"/>; false when it had none.</summary>
    public bool Clear(StateKey key)
    {
        if (!_lists.Remove(key)) return false;
        _changed.Add(key);
        return true;
    }

    private void Set(StateKey key, List<byte[]> items, List<long> expiries, long? newExpiry)
    {
        if (items.Count == 0)
        {
            Clear(key);
            return;
        }
        _lists[key] = (items, expiries);
        _changed.Add(key);
        if (newExpiry is { } expiry) TrackTtl(key, null, expiry);
    }

    internal override int ChangedCount => _changed.Count;

    internal override void AppendDelta(List<StateRow> rows)
    {
        foreach (var key in _changed)
            rows.Add(_lists.TryGetValue(key, out var l) ? Row(key, l) : new StateRow(Name, true, key, null, null, 0));
    }

    internal override void AppendSnapshot(List<StateRow> rows)
    {
        foreach (var (key, l) in _lists.OrderBy(kv => kv.Key)) rows.Add(Row(key, l));
    }

    private StateRow Row(StateKey key, (List<byte[]> Items, List<long> Expiries) l) =>
        new(Name, false, key, null, Encode(l.Items, TtlMicros is null ? null : l.Expiries), l.Expiries.Min());

    internal override void Apply(in StateRow row)
    {
        if (row.Deleted) _lists.Remove(row.Key);
        else
        {
            var list = Decode(row.Value ?? [], TtlMicros is not null, row.Expiry);
            _lists[row.Key] = list;
            foreach (var expiry in list.Expiries.Distinct()) TrackTtl(row.Key, null, expiry);
        }
    }

    internal override void ClearChanges() => _changed.Clear();

    // Removes the elements that expired at or before expiry (the store expires in time order, so every earlier one is due too).
    internal override bool ExpireIfStill(StateKey key, StateKey? entry, long expiry)
    {
        if (!_lists.TryGetValue(key, out var l) || l.Expiries.Min() > expiry) return false;
        var kept = Enumerable.Range(0, l.Items.Count).Where(i => l.Expiries[i] > expiry).ToList();
        if (kept.Count == 0) return Clear(key);
        _lists[key] = (kept.Select(i => l.Items[i]).ToList(), kept.Select(i => l.Expiries[i]).ToList());
        _changed.Add(key);
        return true;
    }

    // Each item as a 4-byte little-endian length and its bytes; with a time to live, preceded by its 8-byte expiry (µs).
    private static byte[] Encode(List<byte[]> items, List<long>? expiries)
    {
        var prefix = expiries is null ? 4 : 12;
        var bytes = new byte[items.Sum(i => prefix + i.Length)];
        var at = 0;
        for (var i = 0; i < items.Count; i++)
        {
            if (expiries is not null) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(at), expiries[i]);
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at + prefix - 4), items[i].Length);
            items[i].CopyTo(bytes, at + prefix);
            at += prefix + items[i].Length;
        }
        return bytes;
    }

    private static (List<byte[]> Items, List<long> Expiries) Decode(byte[] bytes, bool withExpiries, long rowExpiry)
    {
        var items = new List<byte[]>();
        var expiries = new List<long>();
        var prefix = withExpiries ? 12 : 4;
        for (var at = 0; at < bytes.Length;)
        {
            if (at + prefix > bytes.Length) throw new InvalidDataException("A list state row is malformed.");
            var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at + prefix - 4));
            if (length < 0 || at + prefix + length > bytes.Length) throw new InvalidDataException("A list state row is malformed.");
            expiries.Add(withExpiries ? BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(at)) : rowExpiry);
            items.Add(bytes.AsSpan(at + prefix, length).ToArray());
            at += prefix + length;
        }
        return (items, expiries);
    }
}
