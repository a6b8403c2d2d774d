using Apache.Arrow;
using OrleansStream.Engine.State;

namespace OrleansStream.Engine.Operators.Aggregation;

/// <summary>
/// The sessions of a <see cref="SessionWindowOperator"/>'s state by group key (the keys other than the session window) and
/// by end, so that an epoch touches only the groups it has input for, and eviction skips the scan while no session can
/// end at or before the threshold. Session slots are the state's slots. Not thread-safe.
/// </summary>
internal sealed class SessionIndex
{
    private const int None = -1;
    private readonly KeyTable _groups;
    private int[] _head = [];          // per group: its first session slot
    private int[] _next = [];          // per session slot: the group's next session slot
    private int[] _groupOfSlot = [];   // per session slot: its group, None when the slot holds no session
    private long[] _end = [];          // per session slot: the session's end
    private long _minEnd = long.MaxValue;
    private int _slotBound;

    /// <summary>Creates an empty index for groups of <paramref name="groupSchema"/>.</summary>
    public SessionIndex(Schema groupSchema) => _groups = new KeyTable(groupSchema);

    /// <summary>Estimated memory held, in bytes.</summary>
    public long EstimatedBytes => _groups.EstimatedBytes + _head.Length * 4L + _next.Length * 16L;

    /// <summary>Writes the group id of each of the first <paramref name="length"/> rows of <paramref name="groupColumns"/>
    /// to <paramref name="groups"/>, adding groups not seen yet: each must then get a session (<see cref="Add"/>), as a group
    /// without sessions is dropped only when its last session is removed.</summary>
    public void GroupsOf(IReadOnlyList<IArrowArray> groupColumns, int length, Span<int> groups)
    {
        var ids = _groups.GetOrAdd(groupColumns, length, out _);
        ids.CopyTo(groups);
        if (_head.Length < _groups.SlotBound)
        {
            var old = _head.Length;
            System.Array.Resize(ref _head, Math.Max(_groups.SlotBound, Math.Max(16, old * 2)));
            _head.AsSpan(old).Fill(None);
        }
    }

    /// <summary>Number of group ids handed out so far (an exclusive bound for per-group arrays).</summary>
    public int GroupBound => _groups.SlotBound;

    /// <summary>The group of a session slot.</summary>
    public int GroupOf(int slot) => _groupOfSlot[slot];

    /// <summary>Appends the session slots of <paramref name="group"/> (any order).</summary>
    public void SlotsOf(int group, List<int> slots)
    {
        for (var s = _head[group]; s != None; s = _next[s]) slots.Add(s);
    }

    /// <summary>Records a session of <paramref name="group"/> at <paramref name="slot"/> ending at <paramref name="end"/>.</summary>
    public void Add(int slot, int group, long end)
    {
        EnsureSlots(slot + 1);
        _groupOfSlot[slot] = group;
        _end[slot] = end;
        _next[slot] = _head[group];
        _head[group] = slot;
        _minEnd = Math.Min(_minEnd, end);
    }

    /// <summary>Forgets the session at <paramref name="slot"/>. The group goes once it has none, unless
    /// <paramref name="keepGroup"/> (its id stays valid because sessions are about to be added to it).</summary>
    public void Remove(int slot, bool keepGroup = false)
    {
        var group = _groupOfSlot[slot];
        if (group == None) throw new ArgumentOutOfRangeException(nameof(slot), slot, "The slot holds no session.");
        _groupOfSlot[slot] = None;
        if (_head[group] == slot) _head[group] = _next[slot];
        else
        {
            var s = _head[group];
            while (_next[s] != slot) s = _next[s];
            _next[s] = _next[slot];
        }
        if (!keepGroup) DropIfEmpty(group);
        // _minEnd stays a lower bound: a removal can only raise the true minimum.
    }

    /// <summary>Appends the session slots whose end is at most <paramref name="threshold"/>, in slot order; scans only when
    /// the earliest end allows a match.</summary>
    public void EndedBy(long threshold, List<int> slots)
    {
        if (threshold < _minEnd) return;
        var min = long.MaxValue;
        for (var s = 0; s < _slotBound; s++)
        {
            if (_groupOfSlot[s] == None) continue;
            var end = _end[s];
            if (end <= threshold) slots.Add(s);
            else min = Math.Min(min, end);
        }
        // The matches are about to be removed, so the minimum of the others is the new lower bound.
        _minEnd = min;
    }

    /// <summary>Forgets every session and group.</summary>
    public void Clear()
    {
        _groups.Clear();
        _head.AsSpan().Fill(None);
        _groupOfSlot.AsSpan().Fill(None);
        _minEnd = long.MaxValue;
        _slotBound = 0;
    }

    private void DropIfEmpty(int group)
    {
        if (_head[group] == None && _groups.IsLive(group)) _groups.Remove(group);
    }

    private void EnsureSlots(int bound)
    {
        if (bound > _groupOfSlot.Length)
        {
            var old = _groupOfSlot.Length;
            var size = Math.Max(bound, Math.Max(16, old * 2));
            System.Array.Resize(ref _groupOfSlot, size);
            System.Array.Resize(ref _next, size);
            System.Array.Resize(ref _end, size);
            _groupOfSlot.AsSpan(old).Fill(None);
        }
        _slotBound = Math.Max(_slotBound, bound);
    }
}
