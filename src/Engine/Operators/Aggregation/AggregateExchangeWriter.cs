using System.Numerics;
using System.Runtime.InteropServices;
using Apache.Arrow;
using OrleansStream.Engine.Analysis;
using OrleansStream.Engine.Analysis.Bound;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Engine.Operators.Windows;
using OrleansStream.Engine.Planning;
using OrleansStream.Engine.State;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Operators.Aggregation;

/// <summary>
/// Partial aggregation before the shuffle (Spark's partial HashAggregate): evaluates the grouping keys (assigning time
/// windows and initial sessions) and the aggregate arguments column-wise and folds the epoch's rows into one partial row
/// per key, so that a partition receives each key once per producer. Sessions are folded per batch instead: the local
/// merge leaves each session's rows consecutive, so they fold without a hash table into one row per session and batch.
/// </summary>
/// <remarks>
/// A sliding window whose size is a multiple of its slide puts a row in size / slide windows, which all hold the whole
/// slide-long pane the row falls in. Such rows are folded per pane first (the pane is keyed by its latest window, the
/// row's first), and when the epoch finishes each window's panes are folded by their plain keys: a row is hashed once
/// instead of once per window, and the pane rows, usually far fewer, once per window, by their plain keys alone.
/// A tumbling window's batch whose rows fall in one window (a processing-time window, or event time within a window), or
/// in a few runs of consecutive rows of one window each (event time crossing a window's end once or twice in the batch),
/// is folded a run at a time by its plain keys alone, hashing a bigint (or nothing) instead of the key and both bounds,
/// and a window's partials join the others when rows of another window come or the epoch finishes. A sliding window's
/// panes are tumbling windows a slide long, folded the same way: a run's partials join the panes'.
/// </remarks>
public sealed class AggregateExchangeWriter : IExchangeWriter
{
    private readonly AggregateBinding _binding;
    private readonly PartialAggregator _partial;
    private readonly PartialAggregator? _panes;
    private readonly Dictionary<string, long> _gapCache = new(StringComparer.Ordinal);
    private readonly KeyTable? _sessionGroups;
    private readonly RunAggregator? _sessions;
    // Most runs of one window each a batch may hold to be folded a run at a time: each run costs a flush of the window's
    // partials into the partial aggregation, a hash per distinct plain key, instead of a hash of the key and bounds per row.
    // A longer batch may hold a run per MinRowsPerRun rows (a 65,536-row batch of event time in order crosses a 2-second
    // pane's end four or five times).
    private const int MaxWindowRuns = 4;
    private const int MinRowsPerRun = 1024;

    private readonly PartialAggregator? _oneWindow;   // the plain keys of rows all in the window (_windowStart, _windowEnd)
    private readonly PaneWindows? _paneWindows;       // a sliding window's windows from its panes
    private long _windowStart, _windowEnd;
    private bool _holdsWindow;
    private int[] _rows = [], _runOf = [];
    private readonly List<(int From, long Start)> _runs = [];   // AddInRuns' runs: first row, window start
    private byte[] _starts = [], _ends = [];
    // Window bounds of a flushed window's partials merged into _partial (or a pane's into _panes): the key table copies the
    // keys it keeps, so one pair of buffers serves every merge, epoch after epoch.
    private byte[] _boundStarts = [], _boundEnds = [];
    private bool _any;
    // A sliding window's panes flushed while nothing went into the panes' aggregation: each pane's partials by their plain keys
    // (the one-window aggregator's layout), in flush order. Event time in order flushes each pane once, so merging them by
    // the full key (plain keys and both bounds) would only find each key once, to be read out again by pane.
    private readonly List<PanePartials> _flushedPanes = [];
    // The owner of the epoch's computed columns (the source task releases it once the epoch's exchange is shipped): the
    // partial rows made for the exchange are rented there instead of allocated afresh every epoch.
    private BatchBuffers? _output;

    /// <summary>Creates the writer for <paramref name="binding"/>.</summary>
    public AggregateExchangeWriter(AggregateBinding binding)
    {
        _binding = binding ?? throw new ArgumentNullException(nameof(binding));
        // Plain keys only: a window's rows are folded per window (and pane), which always reduces them.
        _partial = new PartialAggregator(binding.StateKeySchema, binding.Aggregates, passUnreducedRows: binding.TimeKey is null);
        ExchangeSchema = _partial.PartialSchema;
        if (binding.TimeKey is { } time && binding.Keys[time].Window is { Overlaps: > 1 } window && window.SizeMicros % window.SlideMicros == 0)
            _panes = new PartialAggregator(binding.StateKeySchema, binding.Aggregates);
        // A tumbling window, or the panes of a sliding one (tumbling windows a slide long), folds runs of one window by plain keys.
        if (binding.TimeKey is { } tumbling && (binding.Keys[tumbling].Window is { Overlaps: 1 } || _panes is not null))
        {
            var bounds = binding.StateColumnOf(tumbling);
            var plain = binding.StateKeySchema.FieldsList.Where((_, c) => c != bounds && c != bounds + 1).ToList();
            _oneWindow = new PartialAggregator(new Schema(plain, null), binding.Aggregates);
            if (_panes is not null) _paneWindows = new PaneWindows(new Schema(plain, null), binding.Aggregates, _oneWindow.PartialSchema);
        }
        // Sessions of one group must meet in one partition to merge: route on the plain keys only.
        RoutingColumns = binding.SessionKey is { } session
            ? Enumerable.Range(0, binding.StateKeySchema.FieldsList.Count).Where(c => c != binding.StateColumnOf(session) && c != binding.StateColumnOf(session) + 1).ToList()
            : Enumerable.Range(0, binding.StateKeySchema.FieldsList.Count).ToList();
        if (binding.SessionKey is not null)
        {
            _sessionGroups = new KeyTable(new Schema(RoutingColumns.Select(c => binding.StateKeySchema.FieldsList[c]).ToList(), null));
            _sessions = new RunAggregator(binding.StateKeySchema, binding.Aggregates);
        }
    }

    /// <inheritdoc />
    public Schema ExchangeSchema { get; }

    /// <inheritdoc />
    public IReadOnlyList<int> RoutingColumns { get; }

    /// <inheritdoc />
    public void Add(RecordBatch batch, EpochContext context)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Length == 0) return;
        _output = context.Buffers;
        var bound = _binding.BoundInputs;
        var scope = new EvaluationScope(batch, context, bound.SlotCount);
        var keys = new IArrowArray?[_binding.Keys.Count];
        for (var i = 0; i < keys.Length; i++)
            if (_binding.Keys[i].Kind == GroupingKind.Plain) keys[i] = bound.KeyValues[i].Evaluate(scope);
        var inputs = new IArrowArray?[bound.Inputs.Length];
        for (var j = 0; j < inputs.Length; j++) inputs[j] = bound.Inputs[j]?.Evaluate(scope);
        if (_binding.TimeKey is not { } timeKey)
        {
            _partial.Add(keys!, inputs, batch.Length, _output);
            _any = true;
            return;
        }
        var key = _binding.Keys[timeKey];
        var time = bound.KeyValues[timeKey].Evaluate(scope);
        if (_panes is not null)
            AddWindow(_panes, batch.Length, keys, inputs, timeKey, time, overlap: 0);
        else if (key.Kind == GroupingKind.Window)
            for (var overlap = 0; overlap < key.Window!.Overlaps; overlap++) AddWindow(_partial, batch.Length, keys, inputs, timeKey, time, overlap);
        else
            AddSessions(scope, keys, inputs, timeKey, time);
    }

    private void AddWindow(PartialAggregator target, int length, IArrowArray?[] keys, IArrowArray?[] inputs, int timeKey, IArrowArray time, int overlap)
    {
        if (_oneWindow is not null && (AddAtOneTime(length, keys, inputs, timeKey, time, overlap) || AddInRuns(length, keys, inputs, timeKey, time))) return;
        var (rows, starts, ends) = Scratch(length);
        var kept = _binding.Keys[timeKey].Window!.Assign(time, overlap, rows, MemoryMarshal.Cast<byte, long>(starts.AsSpan()), MemoryMarshal.Cast<byte, long>(ends.AsSpan()));
        var keptStarts = MemoryMarshal.Cast<byte, long>(starts.AsSpan(0, kept * sizeof(long)));
        if (_oneWindow is not null && kept > 0 && HasFewRuns(keptStarts))
        {
            var keptEnds = MemoryMarshal.Cast<byte, long>(ends.AsSpan());
            for (var from = 0; from < kept;)
            {
                var to = from + 1;
                while (to < kept && keptStarts[to] == keptStarts[from]) to++;
                AddOneWindow(length, keys, inputs, timeKey, rows, from, to, keptStarts[from], keptEnds[from], inRowOrder: kept == length);
                from = to;
            }
            return;
        }
        FlushWindow();
        // Rows go to the panes' aggregation by their full keys: the panes flushed before them go there first, in order.
        if (target == _panes) MergeFlushedPanes();
        AddKept(target, keys, inputs, timeKey, rows, starts, ends, kept, inRowOrder: kept == length);
    }

    // A batch whose rows all have one time (processing time: current_timestamp() is the epoch's) lies in one tumbling window,
    // assigned once instead of a row at a time: its rows are folded by their plain keys as they are. False when the times
    // differ (or some are null), or the window does not hold the time.
    private bool AddAtOneTime(int length, IArrowArray?[] keys, IArrowArray?[] inputs, int timeKey, IArrowArray time, int overlap)
    {
        if (time.NullCount != 0) return false;
        var times = WindowAssigner.TimeValues(time);
        if (times.IndexOfAnyExcept(times[0]) >= 0) return false;
        var (rows, starts, ends) = Scratch(1);
        if (_binding.Keys[timeKey].Window!.Assign(ArrowArrayFactory.Slice(time, 0, 1), overlap, rows, MemoryMarshal.Cast<byte, long>(starts.AsSpan()),
                MemoryMarshal.Cast<byte, long>(ends.AsSpan())) != 1)
            return false;
        AddOneWindow(length, keys, inputs, timeKey, rows, 0, length, MemoryMarshal.Read<long>(starts), MemoryMarshal.Read<long>(ends), inRowOrder: true);
        return true;
    }

    // Times without nulls whose (first) windows form few runs of consecutive rows (event time in order): each row's time is
    // compared with its run's pane (the span of times whose first window is the run's; a tumbling window's whole window),
    // and a window is computed only where a run starts, instead of assigning every row a window and then looking for the
    // runs. False, having added nothing, when there are more runs than HasFewRuns allows.
    private bool AddInRuns(int length, IArrowArray?[] keys, IArrowArray?[] inputs, int timeKey, IArrowArray time)
    {
        if (time.NullCount != 0) return false;
        var window = _binding.Keys[timeKey].Window!;
        var times = WindowAssigner.TimeValues(time);
        var most = MostRuns(length);
        var runs = _runs;
        runs.Clear();
        for (var i = 0; i < times.Length;)
        {
            if (runs.Count == most) return false;
            var start = window.LatestStart(times[i]);
            runs.Add((i, start));
            // A pane's end: the same rows' first window starts at start (size: a tumbling one's).
            i = RunEnd(times, i + 1, start, start + window.SlideMicros);
        }
        for (var r = 0; r < runs.Count; r++)
        {
            var (from, runStart) = runs[r];
            var to = r + 1 < runs.Count ? runs[r + 1].From : length;
            AddOneWindow(length, keys, inputs, timeKey, _rows, from, to, runStart, runStart + window.SizeMicros, inRowOrder: true);
        }
        return true;
    }

    // The first row from `from` on whose time lies outside [start, end): where the run ends. A run is usually thousands of
    // rows (event time in order), so its rows are checked a vector at a time, and one by one only in the vector that ends it.
    private static int RunEnd(ReadOnlySpan<long> times, int from, long start, long end)
    {
        var i = from;
        var lo = new Vector<long>(start);
        var hi = new Vector<long>(end);
        for (; i <= times.Length - Vector<long>.Count; i += Vector<long>.Count)
        {
            var v = new Vector<long>(times[i..]);
            if (!Vector.GreaterThanOrEqualAll(v, lo) || !Vector.LessThanAll(v, hi)) break;
        }
        while (i < times.Length && times[i] >= start && times[i] < end) i++;
        return i;
    }

    // Runs of one window each a batch of length rows may hold to be folded a run at a time.
    private static int MostRuns(int length) => Math.Max(MaxWindowRuns, length / MinRowsPerRun);

    // True when the rows form at most MaxWindowRuns runs of consecutive rows of one window each, or runs of MinRowsPerRun
    // rows on average.
    private static bool HasFewRuns(ReadOnlySpan<long> starts)
    {
        var most = MostRuns(starts.Length);
        var runs = 1;
        for (var i = 1; i < starts.Length; i++)
            if (starts[i] != starts[i - 1] && ++runs > most) return false;
        return true;
    }

    // The kept rows [from, to) all fall in one tumbling window: fold them by their plain keys, after the held window's
    // partials (if another window) went to the partial aggregation, so each key's rows stay in order.
    private void AddOneWindow(int length, IArrowArray?[] keys, IArrowArray?[] inputs, int timeKey, int[] rows, int from, int to, long start, long end, bool inRowOrder)
    {
        if (_holdsWindow && start != _windowStart) FlushWindow();
        var plainKeys = new List<IArrowArray>(keys.Length - 1);
        for (var i = 0; i < keys.Length; i++)
            if (i != timeKey) plainKeys.Add(RunRows(keys[i]!, length, rows, from, to, inRowOrder));
        var taken = new IArrowArray?[inputs.Length];
        for (var i = 0; i < inputs.Length; i++) taken[i] = inputs[i] is null ? null : RunRows(inputs[i]!, length, rows, from, to, inRowOrder);
        _oneWindow!.Add(plainKeys, taken, to - from);
        (_windowStart, _windowEnd, _holdsWindow, _any) = (start, end, true, true);
    }

    // The rows of kept rows [from, to) of a batch column: the column itself when they are all its rows, a slice when the kept
    // rows are the batch's rows in order (rows[i] == i), else gathered.
    private static IArrowArray RunRows(IArrowArray column, int length, int[] rows, int from, int to, bool inRowOrder)
    {
        if (!inRowOrder) return TakeKernel.Take(column, rows.AsSpan(from, to - from));
        return from == 0 && to == length ? column : ArrowArrayFactory.Slice(column, from, to - from);
    }

    // The held window's partials into the partial aggregation (a pane's into the panes'), under their plain keys and the
    // window's bounds; a pane's are kept as they are while the panes' aggregation is empty (see _flushedPanes).
    private void FlushWindow()
    {
        if (!_holdsWindow) return;
        _holdsWindow = false;
        var partials = _oneWindow!.Finish(_output);
        if (_panes is { Count: 0 })
        {
            _flushedPanes.Add(new PanePartials(_windowStart, _windowEnd, partials));
            return;
        }
        MergeWithBounds(partials, _windowStart, _windowEnd);
    }

    // The kept panes' partials into the panes' aggregation, in the order they were flushed.
    private void MergeFlushedPanes()
    {
        foreach (var pane in _flushedPanes) MergeWithBounds(pane.Plain, pane.Start, pane.End);
        _flushedPanes.Clear();
    }

    // A one-window aggregator's partials into the partial aggregation (or the panes'), under the bounds given.
    private void MergeWithBounds(RecordBatch partials, long start, long end)
    {
        EnsureBounds(partials.Length);
        Bounds(_boundStarts, partials.Length).Fill(start);
        Bounds(_boundEnds, partials.Length).Fill(end);
        var batch = WithBounds(partials, ArrayFactory.Primitive(DataTypes.Timestamp, _boundStarts, null, partials.Length),
            ArrayFactory.Primitive(DataTypes.Timestamp, _boundEnds, null, partials.Length));
        (_panes ?? _partial).Merge(batch.Arrays.Take(_binding.StateKeySchema.FieldsList.Count).ToList(), batch);
    }

    // A one-window aggregator's partials (plain keys, then buffers) in the partial layout, under the bounds columns given.
    private RecordBatch WithBounds(RecordBatch plain, IArrowArray starts, IArrowArray ends)
    {
        var boundsAt = _binding.StateColumnOf(_binding.TimeKey!.Value);
        var columns = new IArrowArray[plain.ColumnCount + 2];
        for (var c = 0; c < columns.Length; c++)
            columns[c] = c < boundsAt ? plain.Column(c) : c == boundsAt ? starts : c == boundsAt + 1 ? ends : plain.Column(c - 2);
        return new RecordBatch(_partial.PartialSchema, columns, plain.Length);
    }

    private void EnsureBounds(int length)
    {
        if (_boundStarts.Length >= length * sizeof(long)) return;
        _boundStarts = ArrayFactory.NewValues<long>(Math.Max(length, _boundStarts.Length / sizeof(long) * 2));
        _boundEnds = ArrayFactory.NewValues<long>(_boundStarts.Length / sizeof(long));
    }

    private static Span<long> Bounds(byte[] bytes, int length) => MemoryMarshal.Cast<byte, long>(bytes.AsSpan(0, length * sizeof(long)));

    private void AddSessions(EvaluationScope scope, IArrowArray?[] keys, IArrowArray?[] inputs, int timeKey, IArrowArray time)
    {
        var length = scope.Length;
        var gaps = Gaps(_binding.Keys[timeKey].Gap!, _binding.BoundInputs.Gaps[timeKey], scope);
        var times = WindowAssigner.TimeValues(time);
        var validity = Bitmaps.Validity(time);
        var (rows, starts, ends) = Scratch(length);
        var s = MemoryMarshal.Cast<byte, long>(starts.AsSpan());
        var e = MemoryMarshal.Cast<byte, long>(ends.AsSpan());
        var kept = 0;
        for (var i = 0; i < length; i++)
        {
            // Spark drops rows without a time and rows whose gap is not positive.
            if (!Bitmaps.Get(validity, i) || gaps[i] <= 0) continue;
            rows[kept] = i;
            s[kept] = times[i];
            e[kept] = times[i] + gaps[i];
            kept++;
        }
        if (_runOf.Length < kept) _runOf = new int[Math.Max(kept, _runOf.Length * 2)];
        var runOf = _runOf.AsSpan(0, kept);
        var runs = MergeLocalSessions(length, keys, timeKey, rows.AsSpan(0, kept), s[..kept], e[..kept], runOf);
        AddSessionRuns(keys, inputs, timeKey, rows.AsSpan(0, kept), s[..kept], e[..kept], runOf, runs);
    }

    // After the local merge, the rows of one merged session are consecutive: each such run is one partial row, keyed by
    // its group and bounds, so the rows are folded without hashing their keys.
    private void AddSessionRuns(IArrowArray?[] keys, IArrowArray?[] inputs, int timeKey, ReadOnlySpan<int> rows, ReadOnlySpan<long> starts,
        ReadOnlySpan<long> ends, ReadOnlySpan<int> runOf, int runs)
    {
        if (runs == 0) return;
        var heads = new int[runs];
        for (var i = rows.Length - 1; i >= 0; i--) heads[runOf[i]] = i;
        var headRows = new int[runs];
        for (var r = 0; r < runs; r++) headRows[r] = rows[heads[r]];
        var keyColumns = new List<IArrowArray>(keys.Length + 1);
        for (var i = 0; i < keys.Length; i++)
        {
            if (i == timeKey)
            {
                keyColumns.Add(AtHeads(starts, heads));
                keyColumns.Add(AtHeads(ends, heads));
            }
            else keyColumns.Add(TakeKernel.Take(keys[i]!, headRows));
        }
        var taken = new IArrowArray?[inputs.Length];
        for (var i = 0; i < inputs.Length; i++) taken[i] = inputs[i] is null ? null : TakeKernel.Take(inputs[i]!, rows);
        _sessions!.Add([.. keyColumns], runOf, taken, runs);
        _any = true;
    }

    private static IArrowArray AtHeads(ReadOnlySpan<long> values, int[] heads)
    {
        var bytes = ArrayFactory.NewValues<long>(heads.Length);
        var output = MemoryMarshal.Cast<byte, long>(bytes.AsSpan());
        for (var r = 0; r < heads.Length; r++) output[r] = values[heads[r]];
        return ArrayFactory.Primitive(DataTypes.Timestamp, bytes, null, heads.Length);
    }

    // The row and window-bound buffers of one Add, reused from batch to batch (and overlap to overlap): the key table
    // copies what it keeps, and a fresh set per call was megabytes of zeroed large-object-heap arrays.
    private (int[] Rows, byte[] Starts, byte[] Ends) Scratch(int length)
    {
        if (_rows.Length < length)
        {
            _rows = new int[length];
            _starts = ArrayFactory.NewValues<long>(length);
            _ends = ArrayFactory.NewValues<long>(length);
        }
        return (_rows, _starts, _ends);
    }

    // Overlapping sessions of one group in the batch are merged here, before the shuffle (Spark's optional local session
    // merge): each row is re-keyed to its merged session's bounds, so the partial aggregation folds them into one row.
    // The state partition merges overlapping sessions again across producers and epochs, and merging is the same whether
    // it happens in one step or two, so the results are too. It keeps a batch of sessions from shipping a row per event.
    // The rows are left sorted by group, then start, then row, the order in which the state folds pieces, so that
    // order-dependent aggregates (first, last) follow event time within a batch as in Spark's sort-based merge. Across
    // batches they depend on how pieces met, as in Spark. Numbers each row's merged session in runOf (from 0, in the
    // rows' new order) and returns the number of sessions.
    private int MergeLocalSessions(int length, IArrowArray?[] keys, int timeKey, Span<int> rows, Span<long> starts, Span<long> ends, Span<int> runOf)
    {
        if (rows.Length < 2)
        {
            runOf.Clear();
            return rows.Length;
        }
        var groupColumns = new List<IArrowArray>(keys.Length - 1);
        for (var i = 0; i < keys.Length; i++)
            if (i != timeKey) groupColumns.Add(keys[i]!);
        var groups = _sessionGroups!;
        groups.Clear();
        var groupOfRow = groups.GetOrAdd(groupColumns, length, out _);
        var groupOf = new int[rows.Length];
        for (var k = 0; k < rows.Length; k++) groupOf[k] = groupOfRow[rows[k]];
        var pieces = SessionPieces.Order(groupOf, starts, groups.SlotBound);
        var runs = 0;
        for (var p = 0; p < pieces.Length; runs++)
        {
            var first = p;
            var start = starts[pieces[p]];
            p = SessionPieces.RunEnd(pieces, groupOf, starts, ends, first, out var end);
            for (var q = first; q < p; q++)
            {
                starts[pieces[q]] = start;
                ends[pieces[q]] = end;
                runOf[q] = runs;
            }
        }
        Permute(rows, pieces);
        Permute(starts, pieces);
        Permute(ends, pieces);
        return runs;
    }

    private static void Permute<T>(Span<T> values, int[] order)
    {
        var copy = values.ToArray();
        for (var i = 0; i < order.Length; i++) values[i] = copy[order[i]];
    }

    // inRowOrder: the kept rows are all the batch's rows, in order, so they need no gathering.
    private void AddKept(PartialAggregator target, IArrowArray?[] keys, IArrowArray?[] inputs, int timeKey, int[] rows, byte[] starts, byte[] ends, int kept, bool inRowOrder)
    {
        if (kept == 0) return;
        var keyColumns = new List<IArrowArray>(keys.Length + 1);
        for (var i = 0; i < keys.Length; i++)
        {
            if (i == timeKey)
            {
                keyColumns.Add(ArrayFactory.Primitive(DataTypes.Timestamp, starts, null, kept));
                keyColumns.Add(ArrayFactory.Primitive(DataTypes.Timestamp, ends, null, kept));
            }
            else keyColumns.Add(inRowOrder ? keys[i]! : TakeKernel.Take(keys[i]!, rows.AsSpan(0, kept)));
        }
        var taken = new IArrowArray?[inputs.Length];
        for (var i = 0; i < inputs.Length; i++) taken[i] = inputs[i] is null || inRowOrder ? inputs[i] : TakeKernel.Take(inputs[i]!, rows.AsSpan(0, kept));
        target.Add(keyColumns, taken, kept);
        _any = true;
    }

    // Per-row gaps in µs; a literal gap is parsed once, a gap expression's distinct strings once each.
    private long[] Gaps(Expr gap, BoundExpr? bound, EvaluationScope scope)
    {
        var gaps = new long[scope.Length];
        if (gap is Literal { Value: string text })
        {
            System.Array.Fill(gaps, ParseGap(text));
            return gaps;
        }
        var values = (StringArray)bound!.Evaluate(scope);
        for (var i = 0; i < gaps.Length; i++)
            gaps[i] = values.IsNull(i) ? 0 : ParseGap(values.GetString(i));
        return gaps;
    }

    private long ParseGap(string text)
    {
        if (!_gapCache.TryGetValue(text, out var micros)) _gapCache[text] = micros = IntervalParser.ParseMicros(text, "session gap");
        return micros;
    }

    /// <inheritdoc />
    public RecordBatch? Finish()
    {
        if (!_any) return null;
        _any = false;
        if (_sessions is not null) return _sessions.Finish();
        var partials = OneWindowsPartials() ?? FinishWindows();
        // Its owner's, so that the exchange splits it into arrays rented there as well.
        if (_output is not null) _output.Own(partials);
        _output = null;
        return partials;
    }

    private RecordBatch FinishWindows()
    {
        FlushWindow();
        if (_panes is null) return _partial.Finish(_output);
        if (_panes.Count == 0 && _flushedPanes.Count > 0) return WindowsOfFlushedPanes();
        MergeFlushedPanes();
        return WindowsOfPanes(_panes.Finish(_output));
    }

    // A tumbling window's epoch whose rows all fell in the held window (processing time: always) has that window's partials
    // under its bounds as its own, in the same order: merging them into the partial aggregation by the full key first would
    // hash the plain keys and both bounds once more per partial row only to find each key once. Null when other partials
    // were merged there, or none is held.
    private RecordBatch? OneWindowsPartials()
    {
        if (_panes is not null || !_holdsWindow || _partial.Count != 0) return null;
        _holdsWindow = false;
        var plain = _oneWindow!.Finish(_output);
        return WithBounds(plain, Filled(_windowStart, plain.Length), Filled(_windowEnd, plain.Length));
    }

    // The pane starting at p is in the windows starting at p, p - slide, ..., p - (overlaps - 1) * slide. A window's partials
    // are its panes' folded by their plain keys alone (a pane row's key found once, see PaneWindows, not a hash of the key
    // and both bounds), earliest pane first (first/last follow event time across the panes); windows are distinct keys, so
    // their partials are concatenated, each under its bounds, without another hash table.
    private RecordBatch WindowsOfPanes(RecordBatch panes)
    {
        if (panes.Length == 0) return _partial.Finish(_output);
        var startColumn = _binding.StateColumnOf(_binding.TimeKey!.Value);
        var endColumn = startColumn + 1;
        panes = InPaneOrder(panes, startColumn);
        var starts = WindowAssigner.TimeValues(panes.Column(startColumn));
        var ends = WindowAssigner.TimeValues(panes.Column(endColumn));
        // Each pane's rows, by their plain keys, in time order.
        var pieces = new List<PanePartials>();
        for (int from = 0, to; from < starts.Length; from = to)
        {
            to = from + 1;
            while (to < starts.Length && starts[to] == starts[from]) to++;
            var columns = new List<IArrowArray>(panes.ColumnCount - 2);
            for (var c = 0; c < panes.ColumnCount; c++)
                if (c != startColumn && c != endColumn) columns.Add(ArrowArrayFactory.Slice(panes.Column(c), from, to - from));
            pieces.Add(new PanePartials(starts[from], ends[from], new RecordBatch(_oneWindow!.PartialSchema, columns, to - from)));
        }
        return WindowsOf(pieces);
    }

    // The windows of the panes flushed as they were (see _flushedPanes), in time order: a pane flushed more than once (event
    // time out of order) is merged piece by piece, in flush order, as the panes' aggregation would have merged it.
    private RecordBatch WindowsOfFlushedPanes()
    {
        var pieces = _flushedPanes;
        var ordered = true;
        for (var i = 1; i < pieces.Count && ordered; i++) ordered = pieces[i].Start >= pieces[i - 1].Start;
        List<PanePartials> inOrder = ordered ? [.. pieces] : pieces.OrderBy(p => p.Start).ToList();   // a stable sort: pieces of a pane keep their order
        _flushedPanes.Clear();
        return WindowsOf(inOrder);
    }

    // Each window's partials from the panes' pieces (in time order, by their plain keys): see WindowsOfPanes and PaneWindows.
    private RecordBatch WindowsOf(List<PanePartials> pieces)
    {
        var window = _binding.Keys[_binding.TimeKey!.Value].Window!;
        var windowStarts = new SortedSet<long>();
        var plain = new List<RecordBatch>(pieces.Count);
        foreach (var piece in pieces)
        {
            plain.Add(piece.Plain);
            for (var overlap = 0; overlap < window.Overlaps; overlap++) windowStarts.Add(piece.Start - overlap * window.SlideMicros);
        }
        _paneWindows!.Begin(plain);
        var windows = new List<RecordBatch>(windowStarts.Count);
        var first = 0;   // the first piece not before the window's start
        foreach (var windowStart in windowStarts)
        {
            while (pieces[first].Start < windowStart) first++;
            var end = first;
            while (end < pieces.Count && pieces[end].Start < windowStart + window.SizeMicros) end++;
            var partials = _paneWindows.Window(first, end, _output);
            windows.Add(WithBounds(partials, Filled(windowStart, partials.Length), Filled(windowStart + window.SizeMicros, partials.Length)));
        }
        _paneWindows.End();
        return ConcatKernel.Concat(_partial.PartialSchema, windows, _output);
    }

    // The pane rows grouped by pane, panes in time order (as they come when event time is in order: then unchanged).
    private RecordBatch InPaneOrder(RecordBatch panes, int startColumn)
    {
        var starts = WindowAssigner.TimeValues(panes.Column(startColumn));
        var ordered = true;
        for (var i = 1; i < starts.Length && ordered; i++) ordered = starts[i] >= starts[i - 1];
        if (ordered) return panes;
        var rows = new int[starts.Length];
        for (var i = 0; i < rows.Length; i++) rows[i] = i;
        System.Array.Sort(starts.ToArray(), rows);
        return TakeKernel.TakeRows(panes, rows, _output);
    }

    // A timestamp column of length rows, each the value, rented from the epoch's owner.
    private IArrowArray Filled(long value, int length)
    {
        var bytes = ArrayFactory.NewValues<long>(length, _output);
        MemoryMarshal.Cast<byte, long>(bytes.Span).Fill(value);
        return ArrayFactory.Primitive(DataTypes.Timestamp, bytes, null, length);
    }

    // A pane's partials by their plain keys (the one-window aggregator's layout), and its first window's bounds.
    private readonly record struct PanePartials(long Start, long End, RecordBatch Plain);
}
