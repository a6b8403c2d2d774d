using Apache.Arrow;
using BenchmarkDotNet.Attributes;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.Planning.Physical;
using OrleansStream.Plan.Types;

namespace OrleansStream.Benchmarks.Micro;

/// <summary>
/// The stream-stream join's state (issue 19's target: evicting a million buffered rows after a watermark move costs at most
/// 10 ms of the epoch). Setup buffers <see cref="BufferedRows"/> left rows (bigint key, timestamp event time, a payload),
/// 64 epochs of them with event time rising; Evict moves the watermark past all of them: an inner join drops them, a left
/// outer join also emits each (it never matched) padded with nulls. Probe joins one epoch of right rows against the buffer.
/// </summary>
public class JoinBenchmarks
{
    private const int Epochs = 64;
    private static readonly Schema Side = DataTypes.ParseSchema("k BIGINT, t TIMESTAMP, v BIGINT");
    private RecordBatch[] _epochs = null!;
    private RecordBatch _probe = null!;
    private IStatefulOperator _operator = null!;
    private JoinOperatorSpec _spec = null!;
    private IStatefulOperator _keysOnly = null!;

    /// <summary>Rows buffered before the measured epoch.</summary>
    [Params(1_000_000)]
    public int BufferedRows { get; set; }

    /// <summary>The join type.</summary>
    [Params(JoinType.Inner, JoinType.LeftOuter)]
    public JoinType Type { get; set; }

    /// <summary>Builds the epochs' rows.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var perEpoch = BufferedRows / Epochs;
        _epochs = new RecordBatch[Epochs];
        for (var e = 0; e < Epochs; e++) _epochs[e] = Rows(e * perEpoch, perEpoch, keyOffset: 0);
        _probe = Rows(0, 65_536, keyOffset: 0);
        // Key equality plus a time range: left rows are evicted by the value of their event time.
        var condition = OrleansStream.Plan.Sql.SqlExpressionParser.Parse("__l0 = __r0 AND CAST(__l1 AS LONG) >= CAST(__r1 AS LONG) - 5");
        _spec = new JoinOperatorSpec(Type, Side, Side, [0], [0], [false], condition, JoinInputKind.Stream, JoinInputKind.Stream, 1, 1);
        _keysOnly = new JoinOperatorSpec(JoinType.Inner, Side, Side, [0], [0], [false], null, JoinInputKind.Stream, JoinInputKind.Stream, null, null)
            .CreateOperator("append");
        for (var e = 0; e < Epochs; e++) _keysOnly.Process([new KeyedInput(0, _epochs[e])], new StatefulContext(e, null, null));
    }

    private static RecordBatch Rows(long first, int count, long keyOffset)
    {
        var k = new Int64Array.Builder();
        var t = new TimestampArray.Builder(DataTypes.Timestamp);
        var v = new Int64Array.Builder();
        for (var i = 0; i < count; i++)
        {
            var row = first + i;
            k.Append(keyOffset + row % 100_003);
            t.Append(DateTimeOffset.UnixEpoch.AddTicks(row * 10));   // a microsecond per row
            v.Append(row);
        }
        return new RecordBatch(Side, [k.Build(), t.Build(), v.Build()], count);
    }

    /// <summary>A fresh operator holding every epoch's rows.</summary>
    [IterationSetup]
    public void Fill()
    {
        _operator = _spec.CreateOperator("append");
        for (var e = 0; e < Epochs; e++) _operator.Process([new KeyedInput(0, _epochs[e])], new StatefulContext(e, null, null));
    }

    /// <summary>An epoch without input whose watermark passes every buffered row.</summary>
    [Benchmark]
    public long Evict()
    {
        var output = _operator.Process([], new StatefulContext(Epochs, 0, long.MaxValue / 2));
        if (_operator.Metrics.NumRowsRemoved != BufferedRows - BufferedRows % Epochs) throw new InvalidOperationException("Not everything was evicted.");
        return output.Length;
    }

    /// <summary>An epoch of 65,536 right rows probing the buffer (each key has about ten buffered rows), the time range
    /// checked on every candidate pair.</summary>
    [Benchmark]
    public long Probe() => _operator.Process([new KeyedInput(1, _probe)], new StatefulContext(Epochs, null, null)).Length;

    /// <summary>As <see cref="Probe"/> with key equality alone (no residual condition to evaluate).</summary>
    [Benchmark]
    public long ProbeKeysOnly() => _keysOnly.Process([new KeyedInput(1, _probe)], new StatefulContext(Epochs, null, null)).Length;
}
