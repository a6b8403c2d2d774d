using OrleansStream.Client;
using OrleansStream.Engine.State.Families;

namespace OrleansStream.Engine.Operators.Stateful;

/// <summary>A processor's map state over a <see cref="MapStateFamily"/>; map keys are stored in <see cref="StateValueCodec"/> bytes.</summary>
internal sealed class MapState<TKey, TValue>(ProcessorHandle handle, MapStateFamily family) : IMapState<TKey, TValue>
{
    public bool Exists() => family.Entries(handle.Key).Any();

    public TValue? GetValue(TKey key) => family.Get(handle.Key, Entry(key)) is { } bytes ? StateValueCodec.Decode<TValue>(bytes, family.Name) : default;

    public bool ContainsKey(TKey key) => family.ContainsKey(handle.Key, Entry(key));

    public void UpdateValue(TKey key, TValue value)
    {
        if (key is null || value is null) throw StateValueErrors.NullValue(family.Name);
        family.Put(handle.Key, Entry(key), StateValueCodec.Encode(value));
        handle.Updates++;
    }

    public IEnumerable<KeyValuePair<TKey, TValue>> Iterator() =>
        family.Entries(handle.Key).Select(e => KeyValuePair.Create(StateValueCodec.Decode<TKey>(e.Entry.Bytes.ToArray(), family.Name), StateValueCodec.Decode<TValue>(e.Value, family.Name))).ToList();

    public IEnumerable<TKey> Keys() => Iterator().Select(kv => kv.Key).ToList();

    public IEnumerable<TValue> Values() => Iterator().Select(kv => kv.Value).ToList();

    public void RemoveKey(TKey key) => handle.Removed(family.Remove(handle.Key, Entry(key)));

    public void Clear() => handle.Removed(family.Clear(handle.Key));

    private static StateKey Entry(TKey key) => new(StateValueCodec.Encode(key));
}
