using OrleansStream.Client;
using OrleansStream.Engine.State.Families;

namespace OrleansStream.Engine.Operators.Stateful;

/// <summary>A processor's list state over a <see cref="ListStateFamily"/>.</summary>
internal sealed class ListState<T>(ProcessorHandle handle, ListStateFamily family) : IListState<T>
{
    // Spark's ILLEGAL_STATE_STORE_VALUE: a list holds no nulls, and put or appendList of nothing is a mistake.
    private List<byte[]> Encode(IEnumerable<T> values)
    {
        if (values is null) throw StateValueErrors.NullValue(family.Name);
        var encoded = values.Select(v => v is null ? throw StateValueErrors.NullValue(family.Name) : StateValueCodec.Encode(v)).ToList();
        if (encoded.Count == 0) throw StateValueErrors.EmptyList(family.Name);
        return encoded;
    }

    public bool Exists() => family.Exists(handle.Key);

    // Decoded eagerly: the handler may change the list while it iterates the values it read.
    public IEnumerable<T> Get() => family.Get(handle.Key).Select(b => StateValueCodec.Decode<T>(b, family.Name)).ToList();

    public void Put(IEnumerable<T> values)
    {
        family.Put(handle.Key, Encode(values));
        handle.Updates++;
    }

    public void AppendValue(T value)
    {
        if (value is null) throw StateValueErrors.NullValue(family.Name);
        family.Append(handle.Key, StateValueCodec.Encode(value));
        handle.Updates++;
    }

    public void AppendList(IEnumerable<T> values)
    {
        family.AppendList(handle.Key, Encode(values));
        handle.Updates++;
    }

    public void Clear() => handle.Removed(family.Clear(handle.Key));
}
