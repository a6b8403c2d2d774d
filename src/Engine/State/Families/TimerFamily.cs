using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OrleansStream.Engine.State.Families;

/// <summary>
/// Timers per grouping key, event-time or processing-time, ordered by time across all keys: Spark's timer state. The
/// engine asks for the timers due (<see cref="TakeExpired"/>: event time against the watermark, processing time against
/// the batch timestamp) and hands each to the operator once. Every store has one, named <see cref="FamilyName"/>.
/// </summary>
public sealed class TimerFamily : StateFamily
{
    /// <summary>The timer family's name in state rows (names starting with "__" are reserved).</summary>
    public const string FamilyName = "__timers";

    // The registered timers by key, and per mode a heap of them in (time, key) order. A deleted timer stays in its heap
    // (removing it would mean a search) and is skipped when it reaches the top; the heap is rebuilt when such stale entries
    // outnumber the live ones. Unlike a balanced tree, neither holds an object per timer, which at a million timers is garbage
    // collection work; keyed by grouping key, a timer's registration, deletion or check is one look-up of its key (most keys
    // have one timer or two), and a key's timers are listed without a scan of all of them.
    private readonly Dictionary<StateKey, KeyTimers> _timers = new();
    private readonly PriorityQueue<TimeMode, (long Time, StateKey Key)>[] _heaps = [new(), new()];
    private readonly int[] _stale = new int[2];
    private int _count;
    // Each timer changed since the last delta, and whether it is registered now: the delta needs no look-up in _timers.
    private readonly ChangeSet<(TimeMode Mode, long Time, StateKey Key), bool> _changes = new();

    internal TimerFamily(KeyedStateStore store) : base(store, FamilyName, null) { }

    /// <inheritdoc />
    public override StateFamilyKind Kind => StateFamilyKind.Timers;

    /// <inheritdoc />
    public override int KeyCount => _timers.Count;

    /// <summary>All timers registered.</summary>
    public int Count => _count;

    /// <summary>Registers a timer of <paramref name="key"/> at <paramref name="timeMicros"/>; false when it exists already.</summary>
    public bool Register(StateKey key, TimeMode mode, long timeMicros)
    {
        CheckMode(mode);
        if (!Add((mode, timeMicros, key))) return false;
        _changes.Current[(mode, timeMicros, key)] = true;
        return true;
    }

    /// <summary>Deletes a timer of <paramref name="key"/>; false when there was none.</summary>
    public bool Delete(StateKey key, TimeMode mode, long timeMicros)
    {
        if (!Remove((mode, timeMicros, key))) return false;
        _stale[HeapOf(mode)]++;
        CompactIfStale(mode);
        _changes.Current[(mode, timeMicros, key)] = false;
        return true;
    }

    /// <summary>The times of <paramref name="key"/>'s timers of <paramref name="mode"/>, in order.</summary>
    public IReadOnlyList<long> List(StateKey key, TimeMode mode)
    {
        if (!_timers.TryGetValue(key, out var timers)) return [];
        var times = new List<long>(timers.Count);
        for (var i = 0; i < timers.Count; i++)
            if (timers[i].Mode == mode) times.Add(timers[i].Time);
        times.Sort();
        return times;
    }

    /// <summary>The earliest timer's time of <paramref name="mode"/>, or null when there is none (an epoch is due once it passes).</summary>
    public long? NextTime(TimeMode mode)
    {
        CheckMode(mode);
        return TryPeekLive(mode, out var time, out _) ? time : null;
    }

    /// <summary>
    /// Removes and returns the timers of <paramref name="mode"/> at or below <paramref name="atOrBelowMicros"/>, in time
    /// order (ties in key byte order): the timers that fire in this epoch.
    /// </summary>
    public IReadOnlyList<(StateKey Key, long TimeMicros)> TakeExpired(TimeMode mode, long atOrBelowMicros)
    {
        CheckMode(mode);
        var heap = _heaps[HeapOf(mode)];
        var due = new List<(StateKey Key, long TimeMicros)>();
        while (TryPeekLive(mode, out var time, out var key) && time <= atOrBelowMicros)
        {
            heap.Dequeue();
            Remove((mode, time, key));
            _changes.Current[(mode, time, key)] = false;
            due.Add((key, time));
        }
        return due;
    }

    /// <summary>Every timer, by key, then mode, then time (read-only: the state data source lists them).</summary>
    public IReadOnlyList<(StateKey Key, TimeMode Mode, long TimeMicros)> All() => ByKey();

    // Every timer by key, then mode, then time: the tuple's own order, sorted as an array.
    private (StateKey Key, TimeMode Mode, long TimeMicros)[] ByKey()
    {
        var all = new (StateKey Key, TimeMode Mode, long TimeMicros)[_count];
        var at = 0;
        foreach (var (key, timers) in _timers)
            for (var i = 0; i < timers.Count; i++) all[at++] = (key, timers[i].Mode, timers[i].Time);
        Array.Sort(all);
        return all;
    }

    // The earliest registered timer of the mode, dropping the deleted ones above it; the timer stays in the heap.
    private bool TryPeekLive(TimeMode mode, out long time, out StateKey key)
    {
        var index = HeapOf(mode);
        var heap = _heaps[index];
        while (heap.TryPeek(out _, out var top))
        {
            if (_timers.TryGetValue(top.Key, out var timers) && timers.Contains(mode, top.Time))
            {
                (time, key) = top;
                return true;
            }
            heap.Dequeue();
            _stale[index]--;
        }
        (time, key) = (0, default);
        return false;
    }

    private bool Add((TimeMode Mode, long Time, StateKey Key) timer)
    {
        ref var timers = ref CollectionsMarshal.GetValueRefOrAddDefault(_timers, timer.Key, out _);
        if (!timers.Add(timer.Mode, timer.Time)) return false;
        _count++;
        _heaps[HeapOf(timer.Mode)].Enqueue(timer.Mode, (timer.Time, timer.Key));
        return true;
    }

    // Leaves the timer's heap entry: the caller either dequeued it or counts it stale.
    private bool Remove((TimeMode Mode, long Time, StateKey Key) timer)
    {
        ref var timers = ref CollectionsMarshal.GetValueRefOrNullRef(_timers, timer.Key);
        if (Unsafe.IsNullRef(ref timers) || !timers.Remove(timer.Mode, timer.Time)) return false;
        if (timers.Count == 0) _timers.Remove(timer.Key);
        _count--;
        return true;
    }

    // A heap where stale entries outnumber the live ones is rebuilt from the live timers (linear, amortised over the deletes).
    private void CompactIfStale(TimeMode mode)
    {
        var index = HeapOf(mode);
        var heap = _heaps[index];
        if (_stale[index] < 1024 || _stale[index] * 2 < heap.Count) return;
        heap.Clear();
        foreach (var (key, timers) in _timers)
            for (var i = 0; i < timers.Count; i++)
                if (timers[i].Mode == mode) heap.Enqueue(mode, (timers[i].Time, key));
        _stale[index] = 0;
    }

    private static int HeapOf(TimeMode mode) => mode == TimeMode.EventTime ? 0 : 1;

    private static void CheckMode(TimeMode mode)
    {
        if (mode is not (TimeMode.EventTime or TimeMode.ProcessingTime)) throw new ArgumentOutOfRangeException(nameof(mode), mode, "Not a time mode.");
    }

    // The entry of a timer's row: its mode (1 byte) and time (8 bytes, big-endian).
    private static byte[] Entry(TimeMode mode, long time)
    {
        var bytes = new byte[9];
        bytes[0] = (byte)mode;
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(1), time);
        return bytes;
    }

    internal override int ChangedCount => _changes.Current.Count;

    internal override void AppendDelta(List<StateRow> rows) => AppendDelta(_changes.Current, rows);

    // A change is the timer itself (mode, time, key: no reference into the family), so it carries its delta row as it is.
    internal override Action<List<StateRow>> DetachDelta() => _changes.Detach(AppendDelta);

    private void AppendDelta(Dictionary<(TimeMode Mode, long Time, StateKey Key), bool> changed, List<StateRow> rows)
    {
        // Timers share their times (a time per millisecond, many keys each): one entry per time, not one per row.
        var entries = new Dictionary<(TimeMode, long), byte[]>();
        foreach (var (timer, registered) in changed)
        {
            if (!entries.TryGetValue((timer.Mode, timer.Time), out var entry)) entries.Add((timer.Mode, timer.Time), entry = Entry(timer.Mode, timer.Time));
            rows.Add(new StateRow(Name, !registered, timer.Key, entry, null, 0));
        }
    }

    internal override void AppendSnapshot(List<StateRow> rows)
    {
        foreach (var (key, mode, time) in ByKey()) rows.Add(new StateRow(Name, false, key, Entry(mode, time), null, 0));
    }

    internal override void Apply(in StateRow row)
    {
        if (row.Entry is not { Length: 9 } entry) throw new InvalidDataException($"A timer state row's entry must be 9 bytes (mode and time).");
        var mode = (TimeMode)entry[0];
        if (mode is not (TimeMode.EventTime or TimeMode.ProcessingTime)) throw new InvalidDataException($"A timer state row's mode must be 1 (event time) or 2 (processing time), not {entry[0]}.");
        var timer = (mode, BinaryPrimitives.ReadInt64BigEndian(entry.AsSpan(1)), row.Key);
        if (!row.Deleted) Add(timer);
        else if (Remove(timer))
        {
            _stale[HeapOf(mode)]++;
            CompactIfStale(mode);
        }
    }

    internal override void ClearChanges() => _changes.Current.Clear();

    /// <summary>A key's timers (a key holds one, at most a few): the first inline, the others in a list.</summary>
    private struct KeyTimers
    {
        private (TimeMode Mode, long Time) _first;
        private List<(TimeMode Mode, long Time)>? _more;

        public int Count { readonly get; private set; }

        public readonly (TimeMode Mode, long Time) this[int index] => index == 0 ? _first : _more![index - 1];

        public readonly bool Contains(TimeMode mode, long time) => IndexOf(mode, time) >= 0;

        // False when the key has this timer already.
        public bool Add(TimeMode mode, long time)
        {
            if (Count > 0 && IndexOf(mode, time) >= 0) return false;
            if (Count == 0) _first = (mode, time);
            else (_more ??= []).Add((mode, time));
            Count++;
            return true;
        }

        // False when the key has no such timer.
        public bool Remove(TimeMode mode, long time)
        {
            var index = IndexOf(mode, time);
            if (index < 0) return false;
            var last = Count - 1;
            if (index < last) (index == 0 ? ref _first : ref CollectionsMarshal.AsSpan(_more)[index - 1]) = this[last];
            if (last > 0) _more!.RemoveAt(last - 1);
            Count = last;
            return true;
        }

        private readonly int IndexOf(TimeMode mode, long time)
        {
            for (var i = 0; i < Count; i++)
                if (this[i] == (mode, time)) return i;
            return -1;
        }
    }
}
