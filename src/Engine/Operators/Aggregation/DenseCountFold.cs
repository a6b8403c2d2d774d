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
/// The lanes cover only the part of the range the rows have reached (around the first batch's sampled span at first,
/// widened when a row of the range falls outside them): q12's partitions laid out 262,144 entries a lane for batches of
/// 65,536 rows whose few thousand bidders touched a few pages of them, and those 4 MB (both lanes of both partitions) were
/// 40% of what the query allocated to start and its first epoch. Not thread-safe.
/// </summary>
internal sealed class DenseCountFold
{
    /// <summary>Entries a lane always has: a few pages.</summary>
    public const int MinLaneEntries = 4096;

    private int[] _even = [], _odd = [];   // rows of entry _laneStart + i at even / odd positions of their batch
    private int[] _seen = new int[1024];   // entries (value - base) in first-seen order (an epoch's keys: grown when full, rarely)
    private int _keys;
    private long _base;
    private int _size;                     // entries of the laid-out range; 0 while none is
    private int _laneStart;                // the range entry of the lanes' first element
    private long _laneBase;                // _base + _laneStart: the value the lanes' first element counts

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
        if (!DenseSlotMap.TryRangeAround(values, out var first, out var most, out var min, out var max)) return false;
        _base = first;
        _size = most;
        // The lanes: twice the sampled span, a quarter of the room below it.
        var span = (int)(max - min + 1);   // below most, which fits an int
        var length = (int)Math.Min(most, Math.Max(MinLaneEntries, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)span * 2)));
        // Zeroed once; Drain clears only the entries it read, so lanes long enough are reused as they are.
        if (_even.Length < length)
        {
            _even = SlotArrays.New<int>(length);
            _odd = SlotArrays.New<int>(length);
        }
        var start = (min - first) - (_even.Length - span) / 4;
        PlaceLanes((int)Math.Clamp(start, 0, Math.Max(0, most - _even.Length)));
        return true;
    }

    private void PlaceLanes(int start)
    {
        _laneStart = start;
        _laneBase = _base + start;
    }

    /// <summary>Counts the rows of <paramref name="values"/> up to the first whose key lies outside the range (all of them
    /// when none does) and returns how many it counted. The range must be laid out, and <see cref="Rows"/> plus the rows
    /// must not exceed <see cref="int.MaxValue"/>.</summary>
    public int Count(ReadOnlySpan<long> values)
    {
        var r = CountInLanes(values, 0);
        while (r < values.Length)
        {
            // Outside the lanes: in the range, they widen to take it; otherwise the counting stops here.
            var entry = (ulong)(values[r] - _base);
            if (entry >= (ulong)_size) break;
            Widen((int)entry);
            r = CountInLanes(values, r);
        }
        Rows += r;
        return r;
    }

    // Counts from row `from` while the rows' keys fall in the lanes; returns the first row whose key does not (or the length).
    private int CountInLanes(ReadOnlySpan<long> values, int from)
    {
        var even = _even;
        var odd = _odd;
        var seen = _seen;
        var first = _laneBase;
        var size = (ulong)even.Length;
        var start = _laneStart;
        var keys = _keys;
        var r = from;
        for (; r + 1 < values.Length; r += 2)
        {
            var i = (ulong)(values[r] - first);
            if (i >= size) goto done;
            ref var a = ref even[(int)i];
            // A key is new when neither lane has counted it: the other lane is read only then.
            if (a == 0 && odd[(int)i] == 0)
            {
                if (keys == seen.Length) seen = Grow();
                seen[keys++] = start + (int)i;
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
                seen[keys++] = start + (int)j;
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
                    seen[keys++] = start + (int)i;
                }
                a++;
                r++;
            }
        }
        done:
        _keys = keys;
        return r;
    }

    // Twice the room for first-seen entries (at most the range's entries are ever needed).
    private int[] Grow()
    {
        System.Array.Resize(ref _seen, (int)Math.Min(_size, 2L * _seen.Length));
        return _seen;
    }

    // Widens the lanes to hold range entry `entry` (in the range, outside the lanes): at least twice as long, towards it.
    private void Widen(int entry)
    {
        var length = _even.Length;
        var low = Math.Min(_laneStart, entry);
        var high = Math.Max(_laneStart + length, entry + 1);
        var widened = (int)Math.Min(_size, Math.Max(2L * length, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(high - low))));
        var start = entry < _laneStart ? Math.Max(0, high - widened) : Math.Min(low, _size - widened);
        var even = SlotArrays.New<int>(widened);
        var odd = SlotArrays.New<int>(widened);
        _even.AsSpan().CopyTo(even.AsSpan(_laneStart - start));
        _odd.AsSpan().CopyTo(odd.AsSpan(_laneStart - start));
        _even = even;
        _odd = odd;
        PlaceLanes(start);
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
            var i = e - _laneStart;
            keys[k] = _base + e;
            counts[k] = (long)even[i] + odd[i];
            even[i] = 0;
            odd[i] = 0;
        }
        _keys = 0;
        _size = 0;
        Rows = 0;
    }
}
