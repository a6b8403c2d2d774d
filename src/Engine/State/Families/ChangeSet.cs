namespace OrleansStream.Engine.State.Families;

/// <summary>
/// A family's changes since its last delta, each with what its delta row needs (so the delta looks nothing up in the
/// family's large tables). A detached delta takes the whole set as it is, and the family goes on with an empty one: the set
/// the detached delta before gave back once its rows were appended, so that a million-key set is not reallocated per epoch.
/// </summary>
internal sealed class ChangeSet<TKey, TValue> where TKey : notnull
{
    private Dictionary<TKey, TValue>? _spare;

    /// <summary>The changes since the last delta.</summary>
    public Dictionary<TKey, TValue> Current { get; private set; } = new();

    /// <summary>Takes <see cref="Current"/> as the rows <paramref name="append"/> appends, later, once, on any thread.</summary>
    public Action<List<StateRow>> Detach(Action<Dictionary<TKey, TValue>, List<StateRow>> append)
    {
        if (Current.Count == 0) return static _ => { };
        var taken = Current;
        Current = Interlocked.Exchange(ref _spare, null) ?? new();
        return rows =>
        {
            append(taken, rows);
            taken.Clear();
            _spare = taken;
        };
    }
}
