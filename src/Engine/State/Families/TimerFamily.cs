using System.Buffers.Binary;

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

    private readonly SortedSet<(TimeMode Mode, long Time, StateKey Key)> _byTime = new();
    private readonly Dictionary<StateKey, int> _perKey = new();
    // Each timer changed since the last delta, and whether it is registered now: the delta needs no look-up in _byTime.
    private readonly Dictionary<(TimeMode Mode, long Time, StateKey Key), bool> _changed = new();

    internal TimerFamily(KeyedStateStore store) : base(store, FamilyName, null) { }

    /// <inheritdoc />
    public override StateFamilyKind Kind => StateFamilyKind.Timers;

    /// <inheritdoc />
    public override int KeyCount => _perKey.Count;

    /// <summary>All timers registered.</summary>
    public int Count => _byTime.Count;

    /// <summary>Registers a timer of <paramref name="key"/> at <paramref name="timeMicros"/>; false when it exists already.</summary>
    public bool Register(StateKey key, TimeMode mode, long timeMicros)
    {
        CheckMode(mode);
        if (!Add((mode, timeMicros, key))) return false;
        _changed[(mode, timeMicros, key)] = true;
        return true;
    }

    /// <summary>Deletes a timer of <paramref name="key"/>; false when there was none.</summary>
    public bool Delete(StateKey key, TimeMode mode, long timeMicros)
    {
        if (!Remove((mode, timeMicros, key))) return false;
        _changed[(mode, timeMicros, key)] = false;
        return true;
    }

    /// <summary>The times of <paramref name="key"/>'s timers of <paramref name="mode"/>, in order.</summary>
    public IReadOnlyList<long> List(StateKey key, TimeMode mode) =>
        _perKey.ContainsKey(key) ? _byTime.Where(t => t.Mode == mode && t.Key == key).Select(t => t.Time).ToList() : [];

    /// <summary>The earliest timer's time of <paramref name="mode"/>, or null when there is none (an epoch is due once it passes).</summary>
    public long? NextTime(TimeMode mode) => Of(mode).Select(t => (long?)t.Time).FirstOrDefault();

    /// <summary>
    /// Removes and returns the timers of <paramref name="mode"/> at or below <paramref name="atOrBelowMicros"/>, in time
    /// order (ties in key byte order): the timers that fire in this epoch.
    /// </summary>
    public IReadOnlyList<(StateKey Key, long TimeMicros)> TakeExpired(TimeMode mode, long atOrBelowMicros)
    {
        CheckMode(mode);
        var due = Of(mode).TakeWhile(t => t.Time <= atOrBelowMicros).ToList();
        foreach (var timer in due) Delete(timer.Key, timer.Mode, timer.Time);
        return due.Select(t => (t.Key, t.Time)).ToList();
    }

    /// <summary>Every timer, by key, then mode, then time (read-only: the state data source lists them).</summary>
    public IReadOnlyList<(StateKey Key, TimeMode Mode, long TimeMicros)> All() =>
        _byTime.OrderBy(t => t.Key).ThenBy(t => t.Mode).ThenBy(t => t.Time).Select(t => (t.Key, t.Mode, t.Time)).ToList();

    // The timers of one mode in time order: the set orders by mode first, and the default key (no bytes) sorts first.
    private IEnumerable<(TimeMode Mode, long Time, StateKey Key)> Of(TimeMode mode) =>
        _byTime.GetViewBetween((mode, long.MinValue, default), ((TimeMode)((byte)mode + 1), long.MinValue, default)).Where(t => t.Mode == mode);

    private bool Add((TimeMode Mode, long Time, StateKey Key) timer)
    {
        if (!_byTime.Add(timer)) return false;
        _perKey[timer.Key] = _perKey.GetValueOrDefault(timer.Key) + 1;
        return true;
    }

    private bool Remove((TimeMode Mode, long Time, StateKey Key) timer)
    {
        if (!_byTime.Remove(timer)) return false;
        if (--_perKey[timer.Key] == 0) _perKey.Remove(timer.Key);
        return true;
    }

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

    internal override int ChangedCount => _changed.Count;

    internal override void AppendDelta(List<StateRow> rows)
    {
        foreach (var (timer, registered) in _changed)
            rows.Add(new StateRow(Name, !registered, timer.Key, Entry(timer.Mode, timer.Time), null, 0));
    }

    internal override void AppendSnapshot(List<StateRow> rows)
    {
        foreach (var timer in _byTime.OrderBy(t => t.Key).ThenBy(t => t.Mode).ThenBy(t => t.Time))
            rows.Add(new StateRow(Name, false, timer.Key, Entry(timer.Mode, timer.Time), null, 0));
    }

    internal override void Apply(in StateRow row)
    {
        if (row.Entry is not { Length: 9 } entry) throw new InvalidDataException($"A timer state row's entry must be 9 bytes (mode and time).");
        var timer = ((TimeMode)entry[0], BinaryPrimitives.ReadInt64BigEndian(entry.AsSpan(1)), row.Key);
        if (row.Deleted) Remove(timer);
        else Add(timer);
    }

    internal override void ClearChanges() => _changed.Clear();
}
