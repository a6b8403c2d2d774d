namespace OrleansStream.Engine.State;

/// <summary>
/// A one-bigint key table's slots for keys in one dense range of values, indexed by value - base: a key in the range is
/// found, or added, with one array read, without hashing it or probing the buckets. Source-side partial aggregation keys on
/// ids (q12's bidder, q5's auction) that an epoch draws from a few thousand recent values, where the hash and the probe were
/// most of the fold's cost per row. Laid out around the first batch a table receives after it was emptied (so no key in the
/// range is in the buckets), when that batch's values span fewer than <see cref="MostEntries"/> values; rows outside the
/// range, and the null key, go through the buckets as before. While the range is laid out, an entry is the only index of
/// its key (0 = absent; the table never puts a key of the range in its buckets), so it must be forgotten when the key is
/// removed and the whole map when the table is emptied. Not thread-safe.
/// </summary>
internal sealed class DenseSlotMap
{
    /// <summary>A batch's values may span this many entries per row at most (and <see cref="MinEntries"/> whatever its length).</summary>
    public const int EntriesPerRow = 4;

    /// <summary>Entries a range may always have, however short the batch that lays it out.</summary>
    public const int MinEntries = 4096;

    /// <summary>Entries a range never exceeds (16 MB of slots).</summary>
    public const int MaxEntries = 1 << 22;

    /// <summary>Rows of a batch <see cref="TryLayOut"/> reads its span from.</summary>
    public const int SampledRows = 1024;

    private int[] _slots = [];   // slot + 1 of the key base + i, 0 when not cached
    private long _base;
    private int _size;           // entries of the laid-out range; 0 while none is
    private bool _judged;        // a range was laid out, or refused, since the table was last emptied

    /// <summary>True while a range is laid out.</summary>
    public bool HasRange => _size > 0;

    /// <summary>Most entries a range laid out from a batch of <paramref name="rows"/> rows may have.</summary>
    public static int MostEntries(int rows) => (int)Math.Min(MaxEntries, Math.Max(MinEntries, (long)EntriesPerRow * rows));

    /// <summary>
    /// Lays out a range around <paramref name="values"/> (a batch without nulls) unless one was laid out or refused since
    /// the table was emptied (<see cref="Clear"/>), or <paramref name="tableEmpty"/> is false, or they span
    /// <see cref="MostEntries"/> values or more. The range always has <see cref="MostEntries"/> entries: ids grow with time,
    /// so the epoch's later batches find theirs above the first batch's, and most of the room is left there. The span is
    /// read from about <see cref="SampledRows"/> rows spread over the batch: a value it misses is only looked up the old way.
    /// Returns <see cref="HasRange"/>.
    /// </summary>
    public bool TryLayOut(ReadOnlySpan<long> values, bool tableEmpty)
    {
        if (_size > 0) return true;
        if (_judged || !tableEmpty || values.IsEmpty) return false;
        _judged = true;
        if (!TryRangeAround(values, out _base, out _size, out _, out _)) return false;
        if (_slots.Length < _size) _slots = SlotArrays.New<int>(Math.Max(_size, Math.Min(MaxEntries, _slots.Length * 2)));
        return true;
    }

    /// <summary>
    /// Lays out a range of <paramref name="size"/> entries (at most <see cref="MaxEntries"/>) around the values
    /// <paramref name="min"/> to <paramref name="max"/>, a span of at most <paramref name="size"/> values, with a quarter of
    /// the room left below them and the rest above, as <see cref="TryLayOut"/> does: for a table that holds keys already,
    /// which then moves its keys of the range into their entries (none may stay in its buckets).
    /// </summary>
    public void LayOut(long min, long max, int size)
    {
        if ((uint)(size - 1) >= MaxEntries || (Int128)max - min >= size)
            throw new ArgumentOutOfRangeException(nameof(size), size, $"A range spans at most {MaxEntries} values and holds min..max.");
        _base = BaseAround(min, max, size);
        _size = size;
        _judged = true;
        if (_slots.Length < _size) _slots = SlotArrays.New<int>(_size);
        else System.Array.Clear(_slots, 0, _size);
    }

    /// <summary>
    /// The range a batch lays out (<see cref="TryLayOut"/>, and a partial aggregation's dense count): its first value and
    /// <see cref="MostEntries"/> entries, around the span read from about <see cref="SampledRows"/> rows spread over
    /// <paramref name="values"/> (not empty, without nulls); false (and no entries) when they span that many values or more.
    /// <paramref name="min"/> and <paramref name="max"/> are the sampled span.
    /// </summary>
    public static bool TryRangeAround(ReadOnlySpan<long> values, out long first, out int size, out long min, out long max)
    {
        var step = Math.Max(1, values.Length / SampledRows);
        min = values[0];
        max = values[0];
        for (var i = step; i < values.Length; i += step)
        {
            var v = values[i];
            if (v < min) min = v;
            if (v > max) max = v;
        }
        var most = MostEntries(values.Length);
        // In 128 bits: max - min overflows a long for values far apart.
        var fits = (Int128)max - min < most;
        first = fits ? BaseAround(min, max, most) : 0;
        size = fits ? most : 0;
        return fits;
    }

    // The first value of a range of size entries holding min..max: a quarter of the room left below them and the rest
    // above (ids grow with time), kept within a long (in 128 bits: the room may reach past either end of one).
    private static long BaseAround(long min, long max, int size)
    {
        var low = Int128.Max(long.MinValue, min - ((size - 1 - ((Int128)max - min)) / 4));
        return (long)Int128.Min(low, (Int128)long.MaxValue - (size - 1));
    }

    /// <summary>Bytes held by the entries.</summary>
    public long EstimatedBytes => _slots.Length * 4L;

    /// <summary>The entry index of <paramref name="value"/>, or -1 outside the range.</summary>
    public int IndexOf(long value)
    {
        var i = (ulong)(value - _base);
        return i < (ulong)_size ? (int)i : -1;
    }

    /// <summary>The entries, for a lookup loop: index with <see cref="IndexOf"/> (or the same arithmetic) below <see cref="Size"/>.</summary>
    public int[] Entries => _slots;

    /// <summary>The range's first value.</summary>
    public long Base => _base;

    /// <summary>Entries in the range.</summary>
    public int Size => _size;

    /// <summary>Forgets <paramref name="value"/>'s entry (its key was removed from the table); false when it lies outside the range.</summary>
    public bool Forget(long value)
    {
        var i = IndexOf(value);
        if (i >= 0) _slots[i] = 0;
        return i >= 0;
    }

    /// <summary>Forgets every entry and the range (the table was emptied): the next batch may lay out another. Clears the
    /// entries of <paramref name="values"/>, the table's keys, when they are fewer than the range's entries.</summary>
    public void Clear(ReadOnlySpan<long> values)
    {
        if (_size > 0)
        {
            if (values.Length * 4 < _size)
                foreach (var v in values) Forget(v);
            else System.Array.Clear(_slots, 0, _size);
        }
        _size = 0;
        _judged = false;
    }
}
