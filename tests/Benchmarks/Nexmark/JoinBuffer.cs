namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>
/// One side of a hand-written symmetric hash join: the side's rows in arrival order (which is event-time order: the generator
/// is in order), each with its key, an eviction time, two long payload values and where the rest of the row is (the
/// columns of its batch, not copied, and its row there), chained newest-first per key from a dictionary of heads. Rows are evicted from the oldest
/// while their eviction time is below a bound, so eviction touches only the rows it drops; a batch's columns are released
/// once none of its rows is left.
/// </summary>
internal sealed class JoinBuffer
{
    private long[] _keys = new long[1024], _times = new long[1024], _a = new long[1024], _b = new long[1024], _next = new long[1024];
    private int[] _slots = new int[1024], _rows = new int[1024];
    private readonly Dictionary<long, long> _heads = new();
    // Row sequence numbers: _first is the oldest live row, _end the next to be added, _base the one at array index 0.
    private long _first, _end, _base;
    // Kept batch columns by slot (from _slotBase on), and the sequence number after the last row added from each.
    private readonly List<object> _bySlot = new();
    private readonly List<long> _batchEnds = new();
    private int _slotBase;

    /// <summary>Rows held.</summary>
    public long Count => _end - _first;

    /// <summary>Keeps the <paramref name="columns"/> of a batch (whatever the caller reads back) for the rows about to be
    /// added from it (slot -1 for rows that need nothing kept); returns its slot.</summary>
    public int AddBatch(object columns)
    {
        _bySlot.Add(columns);
        _batchEnds.Add(_end);
        return _slotBase + _bySlot.Count - 1;
    }

    /// <summary>Adds a row (its time at least that of every row before it).</summary>
    public void Add(long key, long time, long a, long b, int slot, int row)
    {
        if (_end - _base == _keys.Length) MakeRoom();
        var i = (int)(_end - _base);
        _keys[i] = key;
        _times[i] = time;
        _a[i] = a;
        _b[i] = b;
        _slots[i] = slot;
        _rows[i] = row;
        ref var head = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_heads, key, out var exists);
        _next[i] = exists ? head : -1;
        head = _end++;
        if (slot >= _slotBase) _batchEnds[slot - _slotBase] = _end;
    }

    /// <summary>The newest row of <paramref name="key"/>, or -1; follow with <see cref="Next"/> while the result is not -1.</summary>
    public long Head(long key) => _heads.TryGetValue(key, out var s) ? s : -1;

    /// <summary>The next older row of the same key, or -1.</summary>
    public long Next(long row)
    {
        var n = _next[row - _base];
        return n >= _first ? n : -1;
    }

    /// <summary>Eviction time of a row.</summary>
    public long Time(long row) => _times[row - _base];

    /// <summary>First payload value of a row.</summary>
    public long A(long row) => _a[row - _base];

    /// <summary>Second payload value of a row.</summary>
    public long B(long row) => _b[row - _base];

    /// <summary>The columns kept for the batch a row came from.</summary>
    public object Columns(long row) => _bySlot[_slots[row - _base] - _slotBase];

    /// <summary>The row's index in its batch.</summary>
    public int Row(long row) => _rows[row - _base];

    /// <summary>Drops the oldest rows while their eviction time is below <paramref name="bound"/>; returns how many.</summary>
    public long EvictBelow(long bound)
    {
        var from = _first;
        while (_first < _end && _times[_first - _base] < bound)
        {
            var key = _keys[_first - _base];
            // The newest row of a key goes last: when it goes, so has the whole chain.
            if (_heads[key] == _first) _heads.Remove(key);
            _first++;
        }
        var released = 0;
        while (released < _batchEnds.Count && _batchEnds[released] <= _first) released++;
        if (released > 0)
        {
            _bySlot.RemoveRange(0, released);
            _batchEnds.RemoveRange(0, released);
            _slotBase += released;
        }
        return _first - from;
    }

    private void MakeRoom()
    {
        var live = (int)(_end - _first);
        if (live > _keys.Length / 2)
        {
            var size = _keys.Length * 2;
            System.Array.Resize(ref _keys, size);
            System.Array.Resize(ref _times, size);
            System.Array.Resize(ref _a, size);
            System.Array.Resize(ref _b, size);
            System.Array.Resize(ref _next, size);
            System.Array.Resize(ref _slots, size);
            System.Array.Resize(ref _rows, size);
        }
        var shift = (int)(_first - _base);
        if (shift == 0) return;
        System.Array.Copy(_keys, shift, _keys, 0, live);
        System.Array.Copy(_times, shift, _times, 0, live);
        System.Array.Copy(_a, shift, _a, 0, live);
        System.Array.Copy(_b, shift, _b, 0, live);
        System.Array.Copy(_next, shift, _next, 0, live);
        System.Array.Copy(_slots, shift, _slots, 0, live);
        System.Array.Copy(_rows, shift, _rows, 0, live);
        _base = _first;
    }
}
