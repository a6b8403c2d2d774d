using Apache.Arrow;

namespace OrleansStream.Engine.Operators;

/// <summary>
/// A keyed operator whose state answers live lookups (DESIGN.md §8): the current value of a key, read only, from the state
/// as it is between epochs.
/// </summary>
public interface IKeyLookup
{
    /// <summary>The key columns a lookup gives, in order (the state's grouping key; a time window is its start and end).</summary>
    Schema LookupKeySchema { get; }

    /// <summary>The schema of the rows <see cref="Lookup"/> and <see cref="Scan"/> answer.</summary>
    Schema LookupResultSchema { get; }

    /// <summary>The rows of the keys of <paramref name="keys"/> (columns of <see cref="LookupKeySchema"/>) that the state holds, in
    /// key order; <c>found[r]</c> tells whether key r is among them.</summary>
    RecordBatch Lookup(RecordBatch keys, Span<bool> found);

    /// <summary>At most <paramref name="limit"/> rows of the state, in slot order.</summary>
    RecordBatch Scan(int limit);
}

/// <summary>What lookups over a slot-keyed state share.</summary>
internal static class LookupSlots
{
    /// <summary>The slots a state's Find answered for keys (-1: absent) that hold a key, in key order; sets <paramref name="found"/>.</summary>
    public static List<int> Found(ReadOnlySpan<int> slots, Span<bool> found)
    {
        var hits = new List<int>(slots.Length);
        for (var r = 0; r < slots.Length; r++)
        {
            found[r] = slots[r] >= 0;
            if (found[r]) hits.Add(slots[r]);
        }
        return hits;
    }
}
