namespace OrleansStream.Client;

/// <summary>A list of values per grouping key (Spark's ListState).</summary>
public interface IListState<T>
{
    /// <summary>Whether the current key has a list.</summary>
    bool Exists();

    /// <summary>The current key's values, in order (empty when it has none).</summary>
    IEnumerable<T> Get();

    /// <summary>Replaces the current key's list.</summary>
    void Put(IEnumerable<T> values);

    /// <summary>Appends one value to the current key's list.</summary>
    void AppendValue(T value);

    /// <summary>Appends values to the current key's list.</summary>
    void AppendList(IEnumerable<T> values);

    /// <summary>Removes the current key's list.</summary>
    void Clear();
}
