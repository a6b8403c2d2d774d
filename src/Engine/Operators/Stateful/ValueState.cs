using OrleansStream.Client;
using OrleansStream.Engine.State.Families;

namespace OrleansStream.Engine.Operators.Stateful;

/// <summary>A processor's value state over a <see cref="ValueStateFamily"/>.</summary>
internal sealed class ValueState<T>(ProcessorHandle handle, ValueStateFamily family) : IValueState<T>
{
    public bool Exists() => family.Exists(handle.Key);

    public T? Get() => family.Get(handle.Key) is { } bytes ? StateValueCodec.Decode<T>(bytes, family.Name) : default;

    public void Update(T value)
    {
        if (value is null) throw StateValueErrors.NullValue(family.Name);
        family.Update(handle.Key, StateValueCodec.Encode(value));
        handle.Updates++;
    }

    public void Clear() => handle.Removed(family.Clear(handle.Key));
}
