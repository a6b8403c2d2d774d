using System.Diagnostics;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Execution.Streaming;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Engine.Planning.Physical;

namespace OrleansStream.Engine.Operators.Join;

/// <summary>
/// A join in a state partition. Both sides static (a batch query): one call joins everything, unmatched outer rows included.
/// One side static (stream-static): every epoch joins the stream's new rows with the static side's rows, which arrive in
/// full each epoch and are hashed afresh, so nothing is kept. Both sides streams: Spark's symmetric hash join
/// (StreamingSymmetricHashJoinExec, state format v2): each side's new rows, late ones dropped, join the other side's
/// buffered rows and are then buffered themselves unless the state watermark already evicts them; the right side's new rows
/// see the left side's rows of the same epoch. After the input, each side evicts the rows its state watermark passed (by
/// key when the event time is a join key, by value from the condition's time range otherwise); an outer side emits its
/// evicted rows that never matched, padded with nulls. Left semi emits a left row on its first match only.
/// </summary>
public sealed class JoinOperator : IStatefulOperator
{
    private const string LeftEvictedKey = "orleansstream.join.leftEvictedAtOrBelow";
    private const string RightEvictedKey = "orleansstream.join.rightEvictedAtOrBelow";

    private readonly JoinOperatorSpec _spec;
    private readonly JoinType _type;
    private readonly int[] _leftKeys;
    private readonly int[] _rightKeys;
    private readonly bool[] _nullSafe;
    private readonly JoinCondition? _condition;
    private readonly JoinCondition? _leftFilter;
    private readonly JoinCondition? _rightFilter;
    private readonly Schema _keySchema;
    private readonly int _keyCount;
    private readonly Schema _format1Schema;
    private readonly JoinStateLayout _layout;
    private readonly JoinRowBuffer? _leftState;
    private readonly JoinRowBuffer? _rightState;
    private readonly int? _leftTimeColumn;
    private readonly int? _rightTimeColumn;
    private readonly JoinCandidates _candidates = new();
    // Per-call buffers reused across epochs (an epoch's side holds 10^4 to 10^5 rows: fresh arrays would be large-object
    // allocations, zeroed and collected every epoch).
    private long[] _scratchTimes = [];
    private int[] _scratchRows = [];
    private bool[] _scratchFlags = [];

    /// <summary>Creates the operator of <paramref name="spec"/> with empty state.</summary>
    public JoinOperator(JoinOperatorSpec spec)
    {
        _spec = spec ?? throw new ArgumentNullException(nameof(spec));
        _type = spec.Type;
        _leftKeys = spec.LeftKeys.ToArray();
        _rightKeys = spec.RightKeys.ToArray();
        _nullSafe = spec.NullSafe.ToArray();
        if (spec.IsStreamStream)
        {
            // Spark's pre-join filters: a row failing its side's own conjuncts can never join, so it is not buffered (an outer
            // side emits it at once); the pairs are then checked against the remaining conjuncts only.
            var split = JoinConditionSplit.Of(spec.Condition);
            _leftFilter = split.LeftOnly is null ? null : new JoinCondition(split.LeftOnly, spec.Left, spec.Right);
            _rightFilter = split.RightOnly is null ? null : new JoinCondition(split.RightOnly, spec.Left, spec.Right);
            _condition = split.BothSides is null ? null : new JoinCondition(split.BothSides, spec.Left, spec.Right);
        }
        else _condition = spec.Condition is null ? null : new JoinCondition(spec.Condition, spec.Left, spec.Right);
        OutputSchema = spec.StateOutputSchema;
        var keyFields = JoinKeys.Fields(spec.Left, _leftKeys, "__k");
        _keyCount = keyFields.Count;
        _keySchema = new Schema(keyFields, null);
        _format1Schema = Format1Schema(spec, keyFields);
        _layout = new JoinStateLayout(spec);
        StateRoutingColumns = Enumerable.Range(JoinStateLayout.Format1FixedColumns, _keyCount).ToList();
        if (!spec.IsStreamStream) return;
        _leftState = new JoinRowBuffer(_leftKeys, _keySchema);
        _rightState = new JoinRowBuffer(_rightKeys, new Schema(JoinKeys.Fields(spec.Right, _rightKeys, "__k"), null));
        if (StreamingJoinRules.WatermarkKeyOrdinal(spec) is { } k2)
        {
            _leftTimeColumn = _leftKeys[k2];
            _rightTimeColumn = _rightKeys[k2];
        }
        else
        {
            // Value-based eviction needs this side's event time and a condition that bounds it by the other side's watermark.
            var (left, right) = spec.StateWatermarks(1_000_000_000L);
            if (left is not null) _leftTimeColumn = spec.LeftEventTime;
            if (right is not null) _rightTimeColumn = spec.RightEventTime;
        }
    }

    /// <inheritdoc />
    public Schema OutputSchema { get; }

    /// <inheritdoc />
    public StateOperatorMetrics Metrics { get; private set; } = StateOperatorMetrics.Empty;

    /// <inheritdoc />
    public RecordBatch Process(IReadOnlyList<KeyedInput> input, StatefulContext context)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        var left = new List<RecordBatch>();
        var right = new List<RecordBatch>();
        foreach (var (index, batch) in input)
        {
            if (batch.Length == 0) continue;
            if (index == 0) left.Add(SideColumns(_spec.Left, batch));
            else if (index == 1) right.Add(SideColumns(_spec.Right, batch));
            else throw new ArgumentOutOfRangeException(nameof(input), index, "A join reads inputs 0 (left) and 1 (right).");
        }
        var leftRows = Concat(_spec.Left, left);
        var rightRows = Concat(_spec.Right, right);
        var evaluation = new EpochContext(context.BatchId, 0, context.EvictThresholdMicros ?? 0);
        return _spec.IsStreamStream ? ProcessStreams(leftRows, rightRows, context, evaluation) : ProcessStatic(leftRows, rightRows, evaluation);
    }

    // The exchange may append routing columns (flattened struct keys) after the side's own.
    private static RecordBatch SideColumns(Schema schema, RecordBatch batch) =>
        batch.ColumnCount == schema.FieldsList.Count ? batch : new RecordBatch(schema, batch.Arrays.Take(schema.FieldsList.Count), batch.Length);

    private static RecordBatch Concat(Schema schema, List<RecordBatch> batches) =>
        batches.Count == 1 ? batches[0] : ConcatKernel.Concat(schema, batches);

    // ---- batch and stream-static -------------------------------------------------------------------------------------

    private RecordBatch ProcessStatic(RecordBatch left, RecordBatch right, EpochContext evaluation)
    {
        var updates = Stopwatch.StartNew();
        var output = new JoinOutput(OutputSchema, _spec.Left.FieldsList.Count);
        // Hash the static side of a stream-static join (the stream probes it); in a batch join, the right side.
        var buildLeft = _spec.LeftKind == JoinInputKind.Static && _spec.RightKind == JoinInputKind.Stream;
        var build = buildLeft ? left : right;
        var probe = buildLeft ? right : left;
        var table = new JoinRowBuffer(buildLeft ? _leftKeys : _rightKeys, _keySchema);
        var never = new long[build.Length];
        System.Array.Fill(never, EventTimes.Never);
        table.Add(build, null, never, new bool[build.Length], null, isNew: false);
        var probeMatched = new bool[probe.Length];
        var pairsWanted = !_type.OutputsLeftOnly();
        if (table.Chunks.Count > 0 && probe.Length > 0)
        {
            var probeKeys = table.ReadKeys(KeyColumns(probe, buildLeft ? _rightKeys : _leftKeys), probe.Length);
            _candidates.Clear();
            table.Probe(probeKeys, NullKeys(probe, buildLeft ? _rightKeys : _leftKeys, _nullSafe), _candidates);
            var buildRows = table.Chunks[0].Rows;
            foreach (var (chunk, probeRows, rows) in _candidates.ByChunk(table.Chunks.Count))
            {
                var (p, r) = Passing(buildLeft ? buildRows : probe, buildLeft ? rows : probeRows, buildLeft ? probe : buildRows, buildLeft ? probeRows : rows,
                    probeRows, rows, evaluation);
                foreach (var i in p) probeMatched[i] = true;
                foreach (var i in r) table.SetMatched(chunk, i, track: false);
                if (!pairsWanted) continue;
                if (buildLeft) output.Add(buildRows, r, probe, p);
                else output.Add(probe, p, buildRows, r);
            }
        }
        var leftOuter = _type is JoinType.LeftOuter or JoinType.FullOuter;
        var rightOuter = _type is JoinType.RightOuter or JoinType.FullOuter;
        if (_type is JoinType.LeftSemi or JoinType.LeftAnti)
        {
            var want = _type == JoinType.LeftSemi;
            if (!buildLeft) output.AddLeft(probe, Where(probeMatched, want));
            else if (table.Chunks.Count > 0) output.AddLeft(table.Chunks[0].Rows, Where(table.Chunks[0].Matched, want));
        }
        else
        {
            // Unmatched rows of a preserved side, padded with nulls.
            if (buildLeft ? rightOuter : leftOuter)
            {
                var rows = Where(probeMatched, false);
                if (buildLeft) output.AddRight(probe, rows);
                else output.AddLeft(probe, rows);
            }
            if (buildLeft ? leftOuter : rightOuter)
                table.ForEachUnmatched((b, r) => { if (buildLeft) output.AddLeft(b, r); else output.AddRight(b, r); });
        }
        Metrics = StateOperatorMetrics.Empty with { AllUpdatesTimeMs = ProgressBuilder.Milliseconds(updates) };
        return output.Finish();
    }

    // The candidate pairs (left row, right row) that pass the condition, returned as their probe rows and buffered rows.
    private (int[] Probe, int[] Rows) Passing(RecordBatch left, int[] leftRows, RecordBatch right, int[] rightRows, int[] probeRows, int[] rows,
        EpochContext evaluation)
    {
        if (_condition is null) return (probeRows, rows);
        var pass = new bool[probeRows.Length];
        _condition.Evaluate(left, leftRows, right, rightRows, pass, evaluation);
        var count = 0;
        foreach (var b in pass) if (b) count++;
        if (count == pass.Length) return (probeRows, rows);
        var p = new int[count];
        var r = new int[count];
        count = 0;
        for (var i = 0; i < pass.Length; i++)
        {
            if (!pass[i]) continue;
            p[count] = probeRows[i];
            r[count++] = rows[i];
        }
        return (p, r);
    }

    private static int[] Where(ReadOnlySpan<bool> flags, bool value)
    {
        var count = 0;
        foreach (var f in flags) if (f == value) count++;
        var rows = new int[count];
        count = 0;
        for (var i = 0; i < flags.Length; i++) if (flags[i] == value) rows[count++] = i;
        return rows;
    }

    private static IArrowArray[] KeyColumns(RecordBatch batch, int[] keys) => JoinKeys.Columns(batch, keys);

    // Rows with a null in a key that is not null-safe: such a key equals nothing. (A struct key is null-checked as a whole.)
    // Null (no row to skip) when no such key column has a null.
    private static bool[]? NullKeys(RecordBatch batch, int[] keys, bool[] nullSafe)
    {
        var length = batch.Length;
        bool[]? skip = null;
        for (var k = 0; k < keys.Length; k++)
        {
            var column = batch.Column(keys[k]);
            if (nullSafe[k] || column.NullCount == 0) continue;
            skip ??= new bool[length];
            var validity = Bitmaps.Validity(column);
            for (var r = 0; r < length; r++) if (!Bitmaps.Get(validity, r)) skip[r] = true;
        }
        return skip;
    }

    private static T[] Scratch<T>(ref T[] buffer, int length)
    {
        if (buffer.Length < length) buffer = new T[Math.Max(length, buffer.Length * 2)];
        return buffer;
    }

    // ---- stream-stream -----------------------------------------------------------------------------------------------

    private RecordBatch ProcessStreams(RecordBatch left, RecordBatch right, StatefulContext context, EpochContext evaluation)
    {
        var updates = Stopwatch.StartNew();
        var output = new JoinOutput(OutputSchema, _spec.Left.FieldsList.Count);
        long dropped = 0, updated = 0;
        var (leftThreshold, rightThreshold) = StateThresholds(context.EvictThresholdMicros);
        left = DropLate(left, _spec.LeftEventTime, context.LateThresholdMicros, ref dropped);
        right = DropLate(right, _spec.RightEventTime, context.LateThresholdMicros, ref dropped);
        if (left.Length > 0) updated += JoinSide(isLeft: true, left, leftThreshold, output, evaluation);
        if (right.Length > 0) updated += JoinSide(isLeft: false, right, rightThreshold, output, evaluation);
        var updatesMs = ProgressBuilder.Milliseconds(updates);
        var removals = Stopwatch.StartNew();
        long removed = 0;
        if (leftThreshold is { } lt)
            removed += _leftState!.Evict(lt, _type is JoinType.LeftOuter or JoinType.FullOuter ? (b, r) => output.AddLeft(b, r) : null);
        if (rightThreshold is { } rt)
            removed += _rightState!.Evict(rt, _type is JoinType.RightOuter or JoinType.FullOuter ? (b, r) => output.AddRight(b, r) : null);
        Metrics = new StateOperatorMetrics(_leftState!.LiveRows + _rightState!.LiveRows, updated, removed, dropped,
            _leftState.EstimatedBytes + _rightState.EstimatedBytes)
        {
            AllUpdatesTimeMs = updatesMs,
            AllRemovalsTimeMs = ProgressBuilder.Milliseconds(removals),
        };
        return output.Finish();
    }

    /// <summary>Per-row entries the last eviction read on the left and right side (see <see cref="JoinRowBuffer.LastEvictionReads"/>).</summary>
    internal (long Left, long Right) LastEvictionReads => (_leftState?.LastEvictionReads ?? 0, _rightState?.LastEvictionReads ?? 0);

    /// <summary>Each side's state watermark for this epoch (rows whose eviction time is at or below it go), or null.</summary>
    internal (long? Left, long? Right) StateThresholds(long? watermark)
    {
        if (watermark is not { } wm) return (null, null);
        return _spec.StateWatermarks(wm);
    }

    private RecordBatch DropLate(RecordBatch rows, int? eventTime, long? threshold, ref long dropped)
    {
        if (eventTime is not { } column || threshold is not { } t || rows.Length == 0) return rows;
        var times = Scratch(ref _scratchTimes, rows.Length).AsSpan(0, rows.Length);
        EventTimes.Read(rows.Column(column), times);
        var keep = Scratch(ref _scratchRows, rows.Length);
        var kept = 0;
        for (var i = 0; i < times.Length; i++) if (times[i] > t) keep[kept++] = i;
        if (kept == rows.Length) return rows;
        dropped += rows.Length - kept;
        return TakeKernel.TakeRows(rows, keep.AsSpan(0, kept));
    }

    // Joins one side's new rows with the other side's buffered rows, then buffers them; returns how many were buffered.
    private int JoinSide(bool isLeft, RecordBatch rows, long? ownThreshold, JoinOutput output, EpochContext evaluation)
    {
        var other = isLeft ? _rightState! : _leftState!;
        var own = isLeft ? _leftState! : _rightState!;
        if ((isLeft ? _leftFilter : _rightFilter) is { } filter)
        {
            var pass = new bool[rows.Length];
            filter.EvaluateOneSide(rows, isLeft, pass, evaluation);
            var failing = Where(pass, false);
            if (failing.Length > 0)
            {
                // Spark emits these rows at once on an outer side and never buffers them.
                if (isLeft && _type is JoinType.LeftOuter or JoinType.FullOuter) output.AddLeft(rows, failing);
                if (!isLeft && _type is JoinType.RightOuter or JoinType.FullOuter) output.AddRight(rows, failing);
                rows = TakeKernel.TakeRows(rows, Where(pass, true));
                if (rows.Length == 0) return 0;
            }
        }
        var n = rows.Length;
        // The rows' keys are read once: to probe the other side, then buffered with the rows.
        var keys = own.ReadKeys(rows);
        _candidates.Clear();
        other.Probe(keys, NullKeys(rows, isLeft ? _leftKeys : _rightKeys, _nullSafe), _candidates);
        var matched = Scratch(ref _scratchFlags, n);
        System.Array.Clear(matched, 0, n);
        var semi = _type == JoinType.LeftSemi;
        // The other side's rows need their matched flag when it is an outer side (or the left side of a semi join).
        var markOther = isLeft ? _type is JoinType.RightOuter or JoinType.FullOuter : _type is JoinType.LeftOuter or JoinType.FullOuter;
        foreach (var (chunk, probeRows, stateRows) in _candidates.ByChunk(other.Chunks.Count))
        {
            var buffered = other.Chunks[chunk];
            var (p, r) = isLeft
                ? Passing(rows, probeRows, buffered.Rows, stateRows, probeRows, stateRows, evaluation)
                : Passing(buffered.Rows, stateRows, rows, probeRows, probeRows, stateRows, evaluation);
            if (semi && !isLeft)
            {
                // A buffered left row is output on its first match only (Spark excludes rows already matched).
                var first = new List<int>();
                for (var i = 0; i < r.Length; i++)
                {
                    matched[p[i]] = true;
                    if (buffered.Matched[r[i]]) continue;
                    other.SetMatched(chunk, r[i]);
                    first.Add(r[i]);
                }
                output.AddLeft(buffered.Rows, first.ToArray());
                continue;
            }
            foreach (var i in p) matched[i] = true;
            if (markOther) foreach (var i in r) other.SetMatched(chunk, i);
            if (semi) continue;
            if (isLeft) output.Add(rows, p, buffered.Rows, r);
            else output.Add(buffered.Rows, r, rows, p);
        }
        if (semi && isLeft) output.AddLeft(rows, Where(matched.AsSpan(0, n), true));
        // Buffer the rows unless the state watermark evicts them already (and, for left semi, unless they matched).
        var timeColumn = isLeft ? _leftTimeColumn : _rightTimeColumn;
        // The times are the new chunk's (kept), so a new array, written in full.
        var times = GC.AllocateUninitializedArray<long>(n);
        if (timeColumn is { } tc) EventTimes.Read(rows.Column(tc), times);
        else System.Array.Fill(times, EventTimes.Never);
        var keep = Scratch(ref _scratchRows, n);
        var kept = 0;
        for (var i = 0; i < n; i++)
        {
            if (ownThreshold is { } t && times[i] <= t) continue;
            if (semi && isLeft && matched[i]) continue;
            keep[kept++] = i;
        }
        if (kept == 0) return 0;
        if (kept == n)
        {
            own.Add(rows, keys, times, matched, null, isNew: true);
            return n;
        }
        var take = keep.AsSpan(0, kept);
        var keptTimes = new long[kept];
        var keptMatched = new bool[kept];
        for (var i = 0; i < kept; i++)
        {
            keptTimes[i] = times[take[i]];
            keptMatched[i] = matched[take[i]];
        }
        own.Add(TakeKernel.TakeRows(rows, take), keys.Take(take), keptTimes, keptMatched, null, isNew: true);
        return kept;
    }

    // ---- state -------------------------------------------------------------------------------------------------------

    // The flat layout of state format 1 (see JoinStateLayout), still read.
    private static Schema Format1Schema(JoinOperatorSpec spec, List<Field> keyFields)
    {
        var fields = new List<Field>
        {
            new("__side", Int32Type.Default, false),
            new("__update", BooleanType.Default, false),
            new("__id", Int64Type.Default, false),
            new("__matched", BooleanType.Default, false),
            new("__time", Int64Type.Default, false),
        };
        fields.AddRange(keyFields);
        for (var i = 0; i < spec.Left.FieldsList.Count; i++) fields.Add(new Field("__l" + i, spec.Left.FieldsList[i].DataType, true));
        for (var j = 0; j < spec.Right.FieldsList.Count; j++) fields.Add(new Field("__r" + j, spec.Right.FieldsList[j].DataType, true));
        return new Schema(fields, null);
    }

    /// <inheritdoc />
    /// <remarks>The key columns of state format 1's flat rows; every batch is routed by <see cref="Owned"/>, which also reads format 2.</remarks>
    public IReadOnlyList<int> StateRoutingColumns { get; }

    /// <inheritdoc />
    public RecordBatch Owned(RecordBatch stateRows, int numKeyGroups, int numPartitions, int partition)
    {
        ArgumentNullException.ThrowIfNull(stateRows);
        return stateRows.Length == 0 ? stateRows : _layout.Owned(stateRows, _keyCount, numKeyGroups, numPartitions, partition);
    }

    /// <inheritdoc />
    /// <remarks>A join's rows compress well (their windows repeat, ids lie near each other): about 6 to 1 for q8.</remarks>
    public bool CompressCheckpoints => true;

    /// <inheritdoc />
    public RecordBatch Delta()
    {
        if (_leftState is null) return ArrowValues.Empty(_format1Schema);
        var sides = new RecordBatch[2];
        var changed = false;
        for (var side = 0; side < 2; side++)
        {
            var pieces = new List<RecordBatch>();
            foreach (var chunk in Buffer(side).Chunks)
            {
                if (chunk.IsNew)
                {
                    if (chunk.Start < chunk.Length) pieces.Add(StateRows(side, chunk, null, chunk.Start, chunk.Length - chunk.Start, update: false));
                }
                else if (chunk.DirtyRows is { } dirty)
                {
                    // A row is listed once (its flag only ever turns true); rows evicted since are left out.
                    var live = new int[dirty.Count];
                    var count = 0;
                    foreach (var row in dirty) if (row >= chunk.Start) live[count++] = row;
                    if (count == 0) continue;
                    System.Array.Sort(live, 0, count);
                    pieces.Add(StateRows(side, chunk, live.AsSpan(0, count).ToArray(), 0, count, update: true));
                }
            }
            changed |= pieces.Count > 0;
            sides[side] = ConcatKernel.Concat(_layout.SideSchema(side), pieces);
        }
        var metadata = new Dictionary<string, string>();
        if (_leftState.EvictedAtOrBelow is { } l) metadata[LeftEvictedKey] = l.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (_rightState!.EvictedAtOrBelow is { } r) metadata[RightEvictedKey] = r.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // Nothing changed: an empty batch, which the store does not write.
        if (!changed && metadata.Count == 0) return ArrowValues.Empty(_format1Schema);
        return _layout.Build(sides[0], sides[1], metadata);
    }

    /// <inheritdoc />
    public RecordBatch Snapshot()
    {
        if (_leftState is null) return ArrowValues.Empty(_format1Schema);
        return _layout.Build(BufferedStateRows(0), BufferedStateRows(1), null);
    }

    private JoinRowBuffer Buffer(int side) => side == 0 ? _leftState! : _rightState!;

    // Every live row of a side, in the state layout.
    private RecordBatch BufferedStateRows(int side)
    {
        var pieces = new List<RecordBatch>();
        foreach (var chunk in Buffer(side).Chunks)
            if (chunk.Start < chunk.Length) pieces.Add(StateRows(side, chunk, null, chunk.Start, chunk.Length - chunk.Start, update: false));
        return ConcatKernel.Concat(_layout.SideSchema(side), pieces);
    }

    /// <summary>The rows buffered on <paramref name="side"/> (0 left, 1 right), with that side's columns (the state data source).</summary>
    internal RecordBatch BufferedRows(int side) =>
        _leftState is null ? ArrowValues.Empty(side == 0 ? _spec.Left : _spec.Right) : _layout.OwnRows(BufferedStateRows(side), side);

    // Rows of one chunk in the side's state layout: update flag, [id, matched,] then the side's columns. The rows are the
    // listed ones, or (rows null) the count rows from start, whose columns are sliced rather than gathered.
    private RecordBatch StateRows(int side, JoinRowBuffer.Chunk chunk, int[]? rows, int start, int count, bool update)
    {
        var n = count;
        var schema = _layout.SideSchema(side);
        var columns = new IArrowArray[schema.FieldsList.Count];
        var updateBits = new byte[BitUtility.ByteCount(n)];
        if (update) updateBits.AsSpan().Fill(0xFF);
        columns[0] = ArrayFactory.Boolean(updateBits, null, n);
        if (_layout.TracksMatches)
        {
            var ids = new FixedColumnWriter<long>(n);
            var matchedBits = new byte[BitUtility.ByteCount(n)];
            for (var i = 0; i < n; i++)
            {
                var row = rows is null ? start + i : rows[i];
                ids.Values[i] = chunk.Ids[row];
                if (chunk.Matched[row]) Bitmaps.Set(matchedBits, i);
            }
            columns[JoinStateLayout.IdIndex] = ids.Build(Int64Type.Default);
            columns[JoinStateLayout.MatchedIndex] = ArrayFactory.Boolean(matchedBits, null, n);
        }
        var first = _layout.FixedColumns;
        for (var c = first; c < columns.Length; c++)
        {
            var column = chunk.Rows.Column(c - first);
            columns[c] = rows is null ? (start == 0 && n == column.Length ? column : ArrowArrayFactory.Slice(column, start, n)) : TakeKernel.Take(column, rows);
        }
        return new RecordBatch(schema, columns, n);
    }

    /// <inheritdoc />
    public void MarkClean()
    {
        _leftState?.MarkClean();
        _rightState?.MarkClean();
    }

    /// <inheritdoc />
    public void Apply(RecordBatch stateRows)
    {
        ArgumentNullException.ThrowIfNull(stateRows);
        if (_leftState is null) return;
        if (stateRows.Schema.Metadata is { } metadata)
        {
            if (metadata.TryGetValue(LeftEvictedKey, out var l)) _leftState.Evict(long.Parse(l, System.Globalization.CultureInfo.InvariantCulture), null, record: false);
            if (metadata.TryGetValue(RightEvictedKey, out var r)) _rightState!.Evict(long.Parse(r, System.Globalization.CultureInfo.InvariantCulture), null, record: false);
        }
        if (stateRows.Length == 0) return;
        if (JoinStateLayout.IsFormat1(stateRows))
        {
            ApplyFormat1(stateRows);
            return;
        }
        for (var side = 0; side < 2; side++)
        {
            var rows = _layout.Side(stateRows, side);
            if (rows.Length == 0) continue;
            var updates = (BooleanArray)rows.Column(0);
            var adds = new List<int>();
            var changes = new List<int>();
            for (var i = 0; i < rows.Length; i++) (updates.GetValue(i) == true ? changes : adds).Add(i);
            if (changes.Count == 0) AddRestored(side, rows);
            else if (adds.Count > 0) AddRestored(side, TakeKernel.TakeRows(rows, adds.ToArray()));
            if (changes.Count > 0)
            {
                var changed = TakeKernel.TakeRows(rows, changes.ToArray());
                var keys = JoinKeys.Columns(_layout.OwnRows(changed, side), side == 0 ? _leftKeys : _rightKeys);
                Buffer(side).RestoreMatched(Buffer(side).ReadKeys(keys, changed.Length), ArrowSpans.Values<long>(changed.Column(JoinStateLayout.IdIndex)));
            }
        }
    }

    // Buffers persisted rows (format 2) again: the eviction time comes from the row, as when it was first buffered.
    private void AddRestored(int side, RecordBatch stateRows)
    {
        var n = stateRows.Length;
        var own = _layout.OwnRows(stateRows, side);
        var times = new long[n];
        if ((side == 0 ? _leftTimeColumn : _rightTimeColumn) is { } tc) EventTimes.Read(own.Column(tc), times);
        else System.Array.Fill(times, EventTimes.Never);
        var matched = new bool[n];
        long[]? ids = null;
        if (_layout.TracksMatches)
        {
            ids = ArrowSpans.Values<long>(stateRows.Column(JoinStateLayout.IdIndex)).ToArray();
            var flags = (BooleanArray)stateRows.Column(JoinStateLayout.MatchedIndex);
            for (var i = 0; i < n; i++) matched[i] = flags.GetValue(i) == true;
        }
        Buffer(side).Add(own, null, times, matched, ids, isNew: false);
    }

    // Format 1: flat rows of both sides (see JoinStateLayout).
    private void ApplyFormat1(RecordBatch stateRows)
    {
        var n = stateRows.Length;
        if (stateRows.ColumnCount != _format1Schema.FieldsList.Count)
            throw new ArgumentException($"A join state batch needs {_format1Schema.FieldsList.Count} columns but this one has {stateRows.ColumnCount}.", nameof(stateRows));
        const int fixedColumns = JoinStateLayout.Format1FixedColumns;
        var sides = ArrowSpans.Values<int>(stateRows.Column(0));
        var updates = (BooleanArray)stateRows.Column(1);
        var ids = ArrowSpans.Values<long>(stateRows.Column(2));
        var matched = (BooleanArray)stateRows.Column(3);
        var times = ArrowSpans.Values<long>(stateRows.Column(4));
        var leftStart = fixedColumns + _keyCount;
        var rightStart = leftStart + _spec.Left.FieldsList.Count;
        for (var side = 0; side < 2; side++)
        {
            var buffer = Buffer(side);
            var adds = new List<int>();
            var changes = new List<int>();
            for (var i = 0; i < n; i++)
            {
                if (sides[i] != side) continue;
                (updates.GetValue(i) == true ? changes : adds).Add(i);
            }
            if (adds.Count > 0)
            {
                var take = adds.ToArray();
                var schema = side == 0 ? _spec.Left : _spec.Right;
                var first = side == 0 ? leftStart : rightStart;
                var columns = new IArrowArray[schema.FieldsList.Count];
                for (var c = 0; c < columns.Length; c++) columns[c] = TakeKernel.Take(stateRows.Column(first + c), take);
                var t = new long[take.Length];
                var m = new bool[take.Length];
                var d = new long[take.Length];
                for (var i = 0; i < take.Length; i++)
                {
                    t[i] = times[take[i]];
                    m[i] = matched.GetValue(take[i]) == true;
                    d[i] = ids[take[i]];
                }
                buffer.Add(new RecordBatch(schema, columns, take.Length), null, t, m, d, isNew: false);
            }
            if (changes.Count > 0)
            {
                var take = changes.ToArray();
                var keys = new IArrowArray[_keyCount];
                for (var k = 0; k < keys.Length; k++) keys[k] = TakeKernel.Take(stateRows.Column(fixedColumns + k), take);
                var d = new long[take.Length];
                for (var i = 0; i < take.Length; i++) d[i] = ids[take[i]];
                buffer.RestoreMatched(buffer.ReadKeys(keys, take.Length), d);
            }
        }
    }
}
