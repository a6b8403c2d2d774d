using OrleansStream.Client;
using OrleansStream.Engine.State.Families;

namespace OrleansStream.Engine.Operators.Stateful;

/// <summary>
/// The handle of an <see cref="AsyncStatefulProcessor"/>, whose keys are handled concurrently: the key being handled flows
/// with each handler's calls (an <see cref="AsyncLocal{T}"/> set when the operator starts the key, so it survives the
/// handler's awaits, also ones that resume on another thread), and every state and timer call runs under one lock on the
/// partition's <see cref="ProcessorHandle"/> with that key, so concurrent keys never interleave inside the store. No call
/// awaits under the lock.
/// </summary>
internal sealed class ConcurrentProcessorHandle(ProcessorHandle inner) : StatefulProcessorHandle
{
    private readonly Lock _gate = new();
    private readonly AsyncLocal<StateKey?> _key = new();

    public ProcessorHandle Inner => inner;

    /// <summary>Makes <paramref name="key"/> the key of the calling flow (call at the start of the key's own async method: the change stays in it).</summary>
    public void Enter(StateKey key) => _key.Value = key;

    private T Locked<T>(Func<T> call)
    {
        lock (_gate)
        {
            inner.CurrentKey = _key.Value;
            try
            {
                return call();
            }
            finally
            {
                inner.CurrentKey = null;
            }
        }
    }

    private void Locked(Action call) => Locked(() =>
    {
        call();
        return true;
    });

    public override IValueState<T> GetValueState<T>(string name, TtlConfig? ttl = null) =>
        new ValueStateCalls<T>(this, Locked(() => inner.GetValueState<T>(name, ttl)));

    public override IListState<T> GetListState<T>(string name, TtlConfig? ttl = null) =>
        new ListStateCalls<T>(this, Locked(() => inner.GetListState<T>(name, ttl)));

    public override IMapState<TKey, TValue> GetMapState<TKey, TValue>(string name, TtlConfig? ttl = null) =>
        new MapStateCalls<TKey, TValue>(this, Locked(() => inner.GetMapState<TKey, TValue>(name, ttl)));

    public override void RegisterTimer(long expiryTimestampMs) => Locked(() => inner.RegisterTimer(expiryTimestampMs));

    public override void DeleteTimer(long expiryTimestampMs) => Locked(() => inner.DeleteTimer(expiryTimestampMs));

    public override IEnumerable<long> ListTimers() => Locked(() => inner.ListTimers());

    public override void DeleteIfExists(string name) => Locked(() => inner.DeleteIfExists(name));

    // The state variables' calls under the handle's lock; reads return materialised values (the inner states copy them).
    private sealed class ValueStateCalls<T>(ConcurrentProcessorHandle handle, IValueState<T> state) : IValueState<T>
    {
        public bool Exists() => handle.Locked(state.Exists);

        public T? Get() => handle.Locked(state.Get);

        public void Update(T value) => handle.Locked(() => state.Update(value));

        public void Clear() => handle.Locked(state.Clear);
    }

    private sealed class ListStateCalls<T>(ConcurrentProcessorHandle handle, IListState<T> state) : IListState<T>
    {
        public bool Exists() => handle.Locked(state.Exists);

        public IEnumerable<T> Get() => handle.Locked(state.Get);

        public void Put(IEnumerable<T> values) => handle.Locked(() => state.Put(values));

        public void AppendValue(T value) => handle.Locked(() => state.AppendValue(value));

        public void AppendList(IEnumerable<T> values) => handle.Locked(() => state.AppendList(values));

        public void Clear() => handle.Locked(state.Clear);
    }

    private sealed class MapStateCalls<TKey, TValue>(ConcurrentProcessorHandle handle, IMapState<TKey, TValue> state) : IMapState<TKey, TValue>
    {
        public bool Exists() => handle.Locked(state.Exists);

        public TValue? GetValue(TKey key) => handle.Locked(() => state.GetValue(key));

        public bool ContainsKey(TKey key) => handle.Locked(() => state.ContainsKey(key));

        public void UpdateValue(TKey key, TValue value) => handle.Locked(() => state.UpdateValue(key, value));

        public IEnumerable<KeyValuePair<TKey, TValue>> Iterator() => handle.Locked(state.Iterator);

        public IEnumerable<TKey> Keys() => handle.Locked(state.Keys);

        public IEnumerable<TValue> Values() => handle.Locked(state.Values);

        public void RemoveKey(TKey key) => handle.Locked(() => state.RemoveKey(key));

        public void Clear() => handle.Locked(state.Clear);
    }
}
