using Apache.Arrow;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.Planning.Physical;

namespace OrleansStream.Engine.Tests.Operators.Join;

/// <summary>
/// Drives a join operator epoch by epoch as Spark's micro-batch execution does, to port StreamTest scenarios: each AddData
/// is an epoch whose late threshold is the previous epoch's watermark and whose eviction threshold is this epoch's; after
/// it the watermark becomes the minimum over the watermarked sides that saw data of (max event time - delay), never
/// backwards, and when it moved a no-data epoch runs (Spark's no-data batch). Every epoch's delta is kept, so
/// <see cref="Restart"/> rebuilds the operator from the delta chain (StopStream / StartStream). Metrics add up between checks
/// as Spark's assertNumStateRows reads them.
/// </summary>
internal sealed class JoinHarness
{
    private readonly JoinOperatorSpec _spec;
    private readonly (Func<RecordBatch, long?> MaxTime, long Delay)? _leftWatermark;
    private readonly (Func<RecordBatch, long?> MaxTime, long Delay)? _rightWatermark;
    private readonly List<RecordBatch> _deltas = new();
    private long? _leftMax;
    private long? _rightMax;
    private long _watermark;
    private long _previous;
    private long _batchId;
    private long _updated;
    private long _dropped;
    private long _removed;

    /// <summary>Watermarks: for each side, how to read the largest event time of a batch (µs) and the delay in seconds, or
    /// null for a side without watermark.</summary>
    public JoinHarness(JoinOperatorSpec spec, (Func<RecordBatch, long?> MaxTime, long DelaySeconds)? leftWatermark,
        (Func<RecordBatch, long?> MaxTime, long DelaySeconds)? rightWatermark)
    {
        _spec = spec;
        _leftWatermark = leftWatermark is { } l ? (l.MaxTime, JoinTestData.Sec(l.DelaySeconds)) : null;
        _rightWatermark = rightWatermark is { } r ? (r.MaxTime, JoinTestData.Sec(r.DelaySeconds)) : null;
        Operator = spec.CreateOperator("append");
    }

    public IStatefulOperator Operator { get; private set; }

    public long Watermark => _watermark;

    /// <summary>One epoch with the given rows (then a no-data epoch when the watermark moved); returns every row output.</summary>
    public string[] AddData(RecordBatch? left = null, RecordBatch? right = null)
    {
        var rows = new List<string>(Epoch(left, right));
        if (left is not null && _leftWatermark is { } lw) _leftMax = Max(_leftMax, lw.MaxTime(left));
        if (right is not null && _rightWatermark is { } rw) _rightMax = Max(_rightMax, rw.MaxTime(right));
        long? candidate = null;
        if (_leftMax is { } lm) candidate = lm - _leftWatermark!.Value.Delay;
        if (_rightMax is { } rm) candidate = candidate is { } c ? Math.Min(c, rm - _rightWatermark!.Value.Delay) : rm - _rightWatermark!.Value.Delay;
        if (candidate is { } next && next > _watermark)
        {
            _watermark = next;
            rows.AddRange(Epoch(null, null));
        }
        return rows.Order(StringComparer.Ordinal).ToArray();
    }

    private string[] Epoch(RecordBatch? left, RecordBatch? right)
    {
        var output = JoinTestData.Run(Operator, left, right, _batchId++, _previous, _watermark);
        _previous = _watermark;
        var m = Operator.Metrics;
        _updated += m.NumRowsUpdated;
        _dropped += m.NumRowsDroppedByWatermark;
        _removed += m.NumRowsRemoved;
        _deltas.Add(Operator.Delta());
        Operator.MarkClean();
        return JoinTestData.Rows(output);
    }

    /// <summary>Spark's assertNumStateRows: total rows now, rows updated and dropped since the last check.</summary>
    public void AssertState(long total, long updated, long droppedByWatermark = 0)
    {
        Assert.Equal(total, Operator.Metrics.NumRowsTotal);
        Assert.Equal(updated, _updated);
        Assert.Equal(droppedByWatermark, _dropped);
        _updated = 0;
        _dropped = 0;
        _removed = 0;
    }

    /// <summary>Rows removed from state since the last check.</summary>
    public long Removed => _removed;

    /// <summary>StopStream + StartStream: a new operator restored from the delta chain.</summary>
    public void Restart()
    {
        var op = _spec.CreateOperator("append");
        foreach (var delta in _deltas) op.Apply(delta);
        op.MarkClean();
        Operator = op;
    }

    /// <summary>The deltas written so far.</summary>
    public IReadOnlyList<RecordBatch> Deltas => _deltas;

    private static long? Max(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    /// <summary>The largest value of a timestamp column.</summary>
    public static Func<RecordBatch, long?> TimestampColumn(int column) => batch =>
    {
        var array = (TimestampArray)batch.Column(column);
        long? max = null;
        for (var i = 0; i < array.Length; i++) if (array.IsValid(i)) max = Max(max, array.Values[i]);
        return max;
    };

    /// <summary>The largest value of an int column read as seconds (Spark's timestamp_seconds(value)).</summary>
    public static Func<RecordBatch, long?> SecondsColumn(int column) => batch =>
    {
        var array = (Int32Array)batch.Column(column);
        long? max = null;
        for (var i = 0; i < array.Length; i++) if (array.GetValue(i) is { } v) max = Max(max, JoinTestData.Sec(v));
        return max;
    };
}
