using OrleansStream.Engine.State;

namespace OrleansStream.Engine.Operators.Aggregation;

/// <summary>
/// Rows per bigint key counted straight into arrays indexed by value - base, for a partial aggregation whose aggregates all
/// count every row (count(*), or count(col) of a column without nulls): q12's bids per bidder, whose epoch draws its bidders
/// from a few thousand recent person ids. The key table's dense range (<see cref="DenseSlotMap"/>) already found such a key
/// without hashing it, but each row still wrote its slot and its "added" flag and then was read again to count it; here a
/// row is one read of its key and one increment. Rows at even and odd positions count in two arrays, so that a key repeated
/// row after row (q12's hot bidder: three rows in four) makes two chains of increments through memory, each half as long, as
/// <c>CountAccumulator</c>'s lanes do. Keys come out in first-seen order, as the key table gives them. The range is laid out
/// around the first batch, as <see cref="DenseSlotMap.TryLayOut"/> lays out its own, and forgotten by <see cref="Drain"/>.
/// Not thread-safe.
/// </summary>
internal sealed class DenseCountFold
{
    private int[] _even = [], _odd = [];   // rows of entry value - base at even / odd positions of their batch
    private int[] _seen = new int[1024];   // entries in first-seen order (an epoch's keys: grown when full, rarely)
    private int _keys;
    private long _base;
    private int _size;                     // entries of the laid-out range; 0 while none is

    /// <summary>True while a range is laid out (rows may have been counted).</summary>
    public bool IsActive => _size > 0;

    /// <summary>Distinct keys counted since the range was laid out.</summary>
    public int Keys => _keys;

    /// <summary>Rows counted since the range was laid out: at most <see cref="int.MaxValue"/>, as a key's count is an int.</summary>
    public long Rows { get; private set; }

    /// <summary>Estimated memory held, in bytes.</summary>
    public long EstimatedBytes => (_even.Length + _odd.Length + _seen.Length) * 4L;

    /// <summary>Lays out a range around <paramref name="values"/> (a batch without nulls) as <see cref="DenseSlotMap.TryLayOut"/>
    /// does, unless they span <see cref="DenseSlotMap.MostEntries"/> values or more. Returns <see cref="IsActive"/>.</summary>
    public bool TryLayOut(ReadOnlySpan<long> values)
    {
        if (_size > 0) return true;
        if (values.IsEmpty) return false;
        if (!DenseSlotMap.TryRangeAround(values, out var first, out var most)) return false;
        _base = first;
        _size = most;
        if (_even.Length < most)
        {
            // Zeroed once; Drain clears only the entries it read, so they stay zero from epoch to epoch.
            _even = new int[most];
            _odd = new int[most];
        }
        return true;
    }

    /// <summary>Counts the rows of <paramref name="values"/> up to the first whose key lies outside the range (all of them
    /// when none does) and returns how many it counted. The range must be laid out, and <see cref="Rows"/> plus the rows
    /// must not exceed <see cref="int.MaxValue"/>.</summary>
    public int Count(ReadOnlySpan<long> values)
    {
        var even = _even;
        var odd = _odd;
        var seen = _seen;
        var first = _base;
        var size = (ulong)_size;
        var keys = _keys;
        var r = 0;
        for (; r + 1 < values.Length; r += 2)
        {
            var i = (ulong)(values[r] - first);
            if (i >= size) break;
            ref var a = ref even[(int)i];
            // A key is new when neither lane has counted it: the other lane is read only then.
            if (a == 0 && odd[(int)i] == 0)
            {
                if (keys == seen.Length) seen = Grow();
                seen[keys++] = (int)i;
            }
            a++;
            var j = (ulong)(values[r + 1] - first);
            if (j >= size)
            {
                r++;
                goto done;
            }
            ref var b = ref odd[(int)j];
            if (b == 0 && even[(int)j] == 0)
            {
                if (keys == seen.Length) seen = Grow();
                seen[keys++] = (int)j;
            }
            b++;
        }
        if (r + 1 == values.Length)
        {
            var i = (ulong)(values[r] - first);
            if (i < size)
            {
                ref var a = ref even[(int)i];
                if (a == 0 && odd[(int)i] == 0)
                {
                    if (keys == seen.Length) seen = Grow();
                    seen[keys++] = (int)i;
                }
                a++;
                r++;
            }
        }
        done:
        _keys = keys;
        Rows += r;
        return r;
    }

    // Twice the room for first-seen entries (at most the range's entries are ever needed).
    private int[] Grow()
    {
        System.Array.Resize(ref _seen, (int)Math.Min(_size, 2L * _seen.Length));
        return _seen;
    }

    /// <summary>Writes each counted key (first-seen order) and its count to <paramref name="keys"/> and
    /// <paramref name="counts"/> (<see cref="Keys"/> long each), then forgets the keys and the range.</summary>
    public void Drain(Span<long> keys, Span<long> counts)
    {
        var even = _even;
        var odd = _odd;
        for (var k = 0; k < _keys; k++)
        {
            var e = _seen[k];
            keys[k] = _base + e;
            counts[k] = (long)even[e] + odd[e];
            even[e] = 0;
            odd[e] = 0;
        }
        _keys = 0;
        _size = 0;
        Rows = 0;
    }
}
