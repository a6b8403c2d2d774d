using System.Runtime.CompilerServices;

namespace OrleansStream.Engine.State;

/// <summary>
/// A <see cref="KeyTable"/>'s index of keys of three bigint/timestamp columns, two of which are a time window's start and
/// end, held window by window: per window a small open-addressing table from the third column's value to the key's slot.
/// A lookup finds the row's window among the few open ones (a window's rows often come in a run; a sliding window's
/// partials come key by key, each key's windows in turn) and probes a table of that window's keys alone, which stays in
/// cache, where the table's one bucket array over every window's keys missed it on the bucket and again on the slot's
/// values, and the key is not hashed as a whole. A
/// watermark evicts whole windows, so their tables are dropped at once (and kept for the next windows) instead of each key
/// leaving the buckets on its own. Holds keys without nulls only; the table keeps the rest in its buckets. The index only
/// finds slots: the table hands them out and frees them, as before. Not thread-safe.
/// </summary>
internal sealed class WindowKeyIndex
{
    // Fibonacci hashing: the high bits of the value times 2^64 / phi spread consecutive ids (auctions, bidders) over the table.
    private const ulong Golden = 0x9E3779B97F4A7C15UL;
    private const int MinEntries = 16;
    // Tables of dropped windows kept for the next ones: a watermark closes a few windows an epoch and opens as many.
    private const int MaxPooled = 32;

    private long[] _starts = new long[4], _ends = new long[4];
    private Entry[][] _tables = new Entry[4][];
    private int[] _counts = new int[4];
    private int[] _shifts = new int[4];
    private int _windows;
    // Window index + 1 by a hash of its bounds (0 = empty), at most a quarter full: partials of a sliding window come key by
    // key, each row's windows in turn, so the window is looked up for most rows, not once a run.
    private int[] _byBounds = new int[16];
    private readonly Stack<Entry[]> _pool = new();
    private int _count;

    /// <summary>An index of keys whose columns <paramref name="startColumn"/> and <paramref name="startColumn"/> + 1 (0 or 1)
    /// are a window's start and end, the third column the key within the window.</summary>
    public WindowKeyIndex(int startColumn)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)startColumn, 1u, nameof(startColumn));
        StartColumn = startColumn;
        InnerColumn = startColumn == 0 ? 2 : 0;
    }

    /// <summary>The key column of the window's start (its end is the next one).</summary>
    public int StartColumn { get; }

    /// <summary>The key column of the key within a window.</summary>
    public int InnerColumn { get; }

    /// <summary>Keys held.</summary>
    public int Count => _count;

    /// <summary>Windows held.</summary>
    public int Windows => _windows;

    /// <summary>Bytes held by the windows' tables and those kept for reuse.</summary>
    public long EstimatedBytes
    {
        get
        {
            long bytes = 0;
            for (var w = 0; w < _windows; w++) bytes += _tables[w].Length * (long)Unsafe.SizeOf<Entry>();
            foreach (var t in _pool) bytes += t.Length * (long)Unsafe.SizeOf<Entry>();
            return bytes;
        }
    }

    /// <summary>True when key column <paramref name="column"/> is the window's start or end.</summary>
    public bool IsWindowColumn(int column) => column == StartColumn || column == StartColumn + 1;

    /// <summary>The index of the window [<paramref name="start"/>, <paramref name="end"/>), or -1 when it holds no key; with
    /// <paramref name="add"/>, an empty window is made for it instead. Valid until windows are dropped.</summary>
    public int WindowOf(long start, long end, bool add)
    {
        var mask = _byBounds.Length - 1;
        var b = BoundsHash(start, end, mask);
        for (var e = _byBounds[b]; e != 0; e = _byBounds[b = (b + 1) & mask])
            if (_starts[e - 1] == start && _ends[e - 1] == end) return e - 1;
        if (!add) return -1;
        if (_windows == _starts.Length)
        {
            var size = _windows * 2;
            Array.Resize(ref _starts, size);
            Array.Resize(ref _ends, size);
            Array.Resize(ref _tables, size);
            Array.Resize(ref _counts, size);
            Array.Resize(ref _shifts, size);
        }
        var window = _windows++;
        var table = _pool.Count > 0 ? _pool.Pop() : new Entry[MinEntries];
        Array.Clear(table);
        (_starts[window], _ends[window], _tables[window], _counts[window]) = (start, end, table, 0);
        _shifts[window] = 64 - System.Numerics.BitOperations.Log2((uint)table.Length);
        if (_windows * 4 > _byBounds.Length) IndexBounds(_byBounds.Length * 2);
        else _byBounds[b] = window + 1;
        return window;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int BoundsHash(long start, long end, int mask) => (int)(((ulong)(start ^ (end * 31)) * Golden) >> 40) & mask;

    // Places every window's bounds again, in a table of size entries.
    private void IndexBounds(int size)
    {
        if (_byBounds.Length != size) _byBounds = new int[size];
        else Array.Clear(_byBounds);
        var mask = size - 1;
        for (var w = 0; w < _windows; w++)
        {
            var b = BoundsHash(_starts[w], _ends[w], mask);
            while (_byBounds[b] != 0) b = (b + 1) & mask;
            _byBounds[b] = w + 1;
        }
    }

    /// <summary>The slot of the key <paramref name="inner"/> in window <paramref name="window"/>, or -1 with the entry
    /// <see cref="Add"/> takes for it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(int window, long inner, out int entry)
    {
        var table = _tables[window];
        var mask = table.Length - 1;
        var e = (int)(((ulong)inner * Golden) >> _shifts[window]);
        while (true)
        {
            ref var at = ref table[e];
            if (at.Slot == 0)
            {
                entry = e;
                return -1;
            }
            if (at.Value == inner)
            {
                entry = e;
                return at.Slot - 1;
            }
            e = (e + 1) & mask;
        }
    }

    /// <summary>Adds the key <paramref name="inner"/> of window <paramref name="window"/>, which <see cref="Find"/> just did not
    /// find (at <paramref name="entry"/>), with its slot.</summary>
    public void Add(int window, int entry, long inner, int slot)
    {
        var table = _tables[window];
        if ((_counts[window] + 1) * 2 > table.Length)
        {
            table = Grow(window);
            Find(window, inner, out entry);
        }
        table[entry] = new Entry(inner, slot + 1);
        _counts[window]++;
        _count++;
    }

    /// <summary>Removes a key the index holds (its values by key column).</summary>
    public void Remove(long start, long end, long inner)
    {
        var window = WindowOf(start, end, add: false);
        if (window < 0 || Find(window, inner, out var hole) < 0) throw new InvalidOperationException("The window index does not hold the key.");
        // Backward-shift deletion, as the table's buckets do.
        var table = _tables[window];
        var mask = table.Length - 1;
        var shift = _shifts[window];
        var j = hole;
        while (true)
        {
            j = (j + 1) & mask;
            var e = table[j];
            if (e.Slot == 0) break;
            var home = (int)(((ulong)e.Value * Golden) >> shift);
            var stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
            if (stays) continue;
            table[hole] = e;
            hole = j;
        }
        table[hole] = default;
        _counts[window]--;
        _count--;
    }

    /// <summary>Keys in the windows whose column <paramref name="column"/> (the start or end, see <see cref="IsWindowColumn"/>)
    /// is at most <paramref name="atMost"/>.</summary>
    public int CountAtOrBelow(int column, long atMost)
    {
        var bounds = column == StartColumn ? _starts : _ends;
        var keys = 0;
        for (var w = 0; w < _windows; w++)
            if (bounds[w] <= atMost) keys += _counts[w];
        return keys;
    }

    /// <summary>Drops the windows whose column <paramref name="column"/> is at most <paramref name="atMost"/>, with their keys
    /// (whose slots the caller frees).</summary>
    public void DropAtOrBelow(int column, long atMost)
    {
        var bounds = column == StartColumn ? _starts : _ends;
        var kept = 0;
        for (var w = 0; w < _windows; w++)
        {
            if (bounds[w] <= atMost)
            {
                _count -= _counts[w];
                Release(_tables[w]);
                continue;
            }
            (_starts[kept], _ends[kept], _tables[kept], _counts[kept], _shifts[kept]) = (_starts[w], _ends[w], _tables[w], _counts[w], _shifts[w]);
            kept++;
        }
        if (kept == _windows) return;
        Array.Clear(_tables, kept, _windows - kept);
        _windows = kept;
        IndexBounds(_byBounds.Length);
    }

    /// <summary>Forgets every window (their tables kept for reuse).</summary>
    public void Clear()
    {
        for (var w = 0; w < _windows; w++) Release(_tables[w]);
        Array.Clear(_tables, 0, _windows);
        _windows = 0;
        _count = 0;
        Array.Clear(_byBounds);
    }

    private void Release(Entry[] table)
    {
        if (_pool.Count < MaxPooled) _pool.Push(table);
    }

    // Doubles a window's table, each key re-placed from its value.
    private Entry[] Grow(int window)
    {
        var old = _tables[window];
        var table = SlotArrays.New<Entry>(old.Length * 2);
        var mask = table.Length - 1;
        var shift = _shifts[window] - 1;
        foreach (var e in old)
        {
            if (e.Slot == 0) continue;
            var at = (int)(((ulong)e.Value * Golden) >> shift);
            while (table[at].Slot != 0) at = (at + 1) & mask;
            table[at] = e;
        }
        _tables[window] = table;
        _shifts[window] = shift;
        return table;
    }

    // A key within its window and its slot + 1 (0: the entry is empty).
    private readonly record struct Entry(long Value, int Slot);
}
