namespace OrleansStream.Client;

/// <summary>A map per grouping key (Spark's MapState); entries are listed in the order of their encoded keys.</summary>
public interface IMapState<TKey, TValue>
{
    /// <summary>Whether the current key has any entry.</summary>
    bool Exists();

    /// <summary>The value of <paramref name="key"/> in the current key's map, or <c>default</c>.</summary>
    TValue? GetValue(TKey key);

    /// <summary>Whether the current key's map holds <paramref name="key"/>.</summary>
    bool ContainsKey(TKey key);

    /// <summary>Sets <paramref name="key"/> in the current key's map.</summary>
    void UpdateValue(TKey key, TValue value);

    /// <summary>The current key's entries.</summary>
    IEnumerable<KeyValuePair<TKey, TValue>> Iterator();

    /// <summary>The current key's map keys.</summary>
    IEnumerable<TKey> Keys();

    /// <summary>The current key's map values.</summary>
    IEnumerable<TValue> Values();

    /// <summary>Removes <paramref name="key"/> from the current key's map.</summary>
    void RemoveKey(TKey key);

    /// <summary>Removes the current key's map.</summary>
    void Clear();
}
