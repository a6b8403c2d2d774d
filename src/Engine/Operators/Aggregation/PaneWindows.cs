using System.Runtime.InteropServices;
using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.State;

namespace OrleansStream.Engine.Operators.Aggregation;

/// <summary>
/// A sliding window's partials from its panes' partials (each pane's rows by the plain keys, panes in time order), an epoch
/// at a time: <see cref="Begin"/> finds each pane row's key once, in a table of the epoch's plain keys, and
/// <see cref="Window"/> folds the panes of one window by those slots into buffers of that window's keys only. A pane row lies
/// in size / slide windows: folding each window by its keys in a table emptied per window hashed, probed and inserted the
/// row's key once per window, and read every window's keys out of that table again. Not thread-safe.
/// </summary>
internal sealed class PaneWindows
{
    private readonly KeyTable _keys;
    private readonly AggregateBuffers _buffers;
    private readonly Schema _partialSchema;
    private readonly int _keyCount;
    private readonly List<int> _order = [];   // the window's keys' slots in _keys, in first-seen order
    private IReadOnlyList<RecordBatch> _panes = [];
    private int[] _paneSlots = [], _paneStarts = [];   // each pane row's slot in _keys; each pane's first row there
    private int[] _stamp = [], _local = [];            // per slot in _keys: the window that last met it (+1), its slot in that window
    private int[] _rowSlots = [], _identity = [];
    private bool[] _added = [];
    private int _window;

    /// <summary>Windows of partials laid out as <paramref name="partialSchema"/>: the columns of <paramref name="plainKeySchema"/>,
    /// then the buffers of <paramref name="aggregates"/>.</summary>
    public PaneWindows(Schema plainKeySchema, IReadOnlyList<AggregateSpec> aggregates, Schema partialSchema)
    {
        // Emptied every epoch, keyed on ids an epoch draws from a few recent values: a dense range pays.
        _keys = new KeyTable(plainKeySchema, denseRange: true);
        _buffers = new AggregateBuffers(aggregates);
        _partialSchema = partialSchema;
        _keyCount = plainKeySchema.FieldsList.Count;
    }

    /// <summary>Starts an epoch's windows over <paramref name="panes"/> (laid out as the partial schema, in time order).</summary>
    public void Begin(IReadOnlyList<RecordBatch> panes)
    {
        _panes = panes;
        if (_paneStarts.Length < panes.Count + 1) _paneStarts = new int[panes.Count + 1];
        var rows = 0;
        for (var p = 0; p < panes.Count; p++)
        {
            _paneStarts[p] = rows;
            rows += panes[p].Length;
        }
        _paneStarts[panes.Count] = rows;
        if (_paneSlots.Length < rows)
        {
            _paneSlots = new int[Math.Max(rows, _paneSlots.Length * 2)];
            _added = new bool[_paneSlots.Length];
        }
        for (var p = 0; p < panes.Count; p++) Locate(panes[p], _paneSlots.AsSpan(_paneStarts[p], panes[p].Length), _added.AsSpan(_paneStarts[p], panes[p].Length));
        var slotBound = _keys.SlotBound;
        if (_stamp.Length < slotBound)
        {
            _stamp = new int[Math.Max(slotBound, _stamp.Length * 2)];
            _local = new int[_stamp.Length];
        }
        System.Array.Clear(_stamp, 0, slotBound);
        _window = 0;
    }

    /// <summary>The partials of the window of panes [<paramref name="firstPane"/>, <paramref name="endPane"/>): each key of those
    /// panes once, in first-seen order, its buffers folded from its pane rows in pane, then row order. Fixed-width columns are
    /// rented from <paramref name="owner"/> when there is one.</summary>
    public RecordBatch Window(int firstPane, int endPane, BatchBuffers? owner)
    {
        var window = ++_window;
        _order.Clear();
        for (var p = firstPane; p < endPane; p++)
        {
            var pane = _panes[p];
            var slots = _paneSlots.AsSpan(_paneStarts[p], pane.Length);
            if (_rowSlots.Length < slots.Length) _rowSlots = new int[Math.Max(slots.Length, _rowSlots.Length * 2)];
            var local = _rowSlots.AsSpan(0, slots.Length);
            for (var r = 0; r < slots.Length; r++)
            {
                var s = slots[r];
                if (_stamp[s] != window)
                {
                    _stamp[s] = window;
                    _local[s] = _order.Count;
                    _order.Add(s);
                }
                local[r] = _local[s];
            }
            _buffers.EnsureCapacity(_order.Count);
            _buffers.Merge(local, pane, _keyCount);
        }
        var count = _order.Count;
        var keys = _keys.LiveKeyColumns(CollectionsMarshal.AsSpan(_order), owner);
        var buffers = _buffers.WritePartial(Identity(count), owner);
        _buffers.Clear();
        return new RecordBatch(_partialSchema, [.. keys, .. buffers], count);
    }

    /// <summary>Ends the epoch's windows: the key table is emptied (its capacity kept).</summary>
    public void End()
    {
        _keys.Clear();
        _panes = [];
    }

    // The pane rows' slots; no plain keys (a window alone): every row is the one key's, found once.
    private void Locate(RecordBatch pane, Span<int> slots, Span<bool> added)
    {
        if (slots.IsEmpty) return;
        var keys = new IArrowArray[_keyCount];
        for (var c = 0; c < keys.Length; c++) keys[c] = pane.Column(c);
        if (_keyCount > 0)
        {
            _keys.GetOrAdd(keys, slots.Length, slots, added);
            return;
        }
        _keys.GetOrAdd(keys, 1, slots, added);
        slots.Fill(slots[0]);
    }

    // 0, 1, ..., length - 1, from an array kept across calls.
    private ReadOnlySpan<int> Identity(int length)
    {
        if (_identity.Length < length)
        {
            _identity = new int[Math.Max(length, _identity.Length * 2)];
            for (var i = 0; i < _identity.Length; i++) _identity[i] = i;
        }
        return _identity.AsSpan(0, length);
    }
}
