namespace OrleansStream.Client;

/// <summary>One value per grouping key (Spark's ValueState).</summary>
public interface IValueState<T>
{
    /// <summary>Whether the current key has a value.</summary>
    bool Exists();

    /// <summary>The current key's value, or <c>default</c> when it has none.</summary>
    T? Get();

    /// <summary>Sets the current key's value.</summary>
    void Update(T value);

    /// <summary>Removes the current key's value.</summary>
    void Clear();
}
