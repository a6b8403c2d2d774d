using Apache.Arrow;
using BenchmarkDotNet.Attributes;
using OrleansStream.Benchmarks.Nexmark;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.Operators.Aggregation;
using OrleansStream.Engine.Planning;
using OrleansStream.Engine.Sources.Nexmark;
using OrleansStream.Plan.Sql;
using OrleansStream.Plan.Types;

namespace OrleansStream.Benchmarks.Micro;

/// <summary>
/// q11's keyed path, per bid: count(*) per bidder session with a 10 s gap over epochs of Nexmark bids (about a thousand
/// active bidders), event time advancing from epoch to epoch and the watermark 4 s behind it, in Append mode. Q11 runs the
/// source-side partial step (AggregateExchangeWriter) and the state partition's SessionWindowOperator; Q11State only the latter.
/// </summary>
public class SessionWindowBenchmarks
{
    private const int Epochs = 64;
    private const int RowsPerEpoch = 8_192;
    private const long DelayMicros = 4_000_000;
    private RecordBatch[] _raw = null!;
    private RecordBatch[] _partials = null!;
    private long _lapMicros;
    private AggregateBinding _binding = null!;
    private AggregateExchangeWriter _writer = null!;
    private SessionWindowOperator _operator = null!;
    private int _epoch;

    /// <summary>Generates the epochs' bids (bidder, dateTime) and their partial rows.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var generator = new NexmarkGenerator(new NexmarkConfig());
        var schema = DataTypes.ParseSchema("bidder BIGINT, dateTime TIMESTAMP");
        _raw = new RecordBatch[Epochs];
        for (var e = 0; e < Epochs; e++)
        {
            var bids = generator.Bids((long)e * RowsPerEpoch, RowsPerEpoch);
            _raw[e] = new RecordBatch(schema, [bids.Column(1), bids.Column(5)], RowsPerEpoch);
        }
        var first = Times(_raw[0])[0];
        var last = Times(_raw[Epochs - 1])[RowsPerEpoch - 1];
        // Later laps replay the same bids shifted past the previous lap, so event time keeps advancing.
        _lapMicros = last - first + 1_000_000;
        var node = new Aggregate(new SourceRelation("0", "memory", new Dictionary<string, string>(), null, true),
            [SqlExpressionParser.ParseNamed("bidder"), SqlExpressionParser.ParseNamed("session_window(dateTime, '10 seconds')")],
            [SqlExpressionParser.ParseNamed("bidder"), SqlExpressionParser.ParseNamed("session_window(dateTime, '10 seconds')"), SqlExpressionParser.ParseNamed("count(*) AS bid_count")]);
        _binding = AggregateBinding.Bind(node, schema);
        _writer = new AggregateExchangeWriter(_binding);
        _partials = new RecordBatch[Epochs];
        for (var e = 0; e < Epochs; e++)
        {
            _writer.Add(_raw[e], MicroData.Context);
            _partials[e] = _writer.Finish()!;
        }
        // One state for every invocation: after the warm-up it holds the steady set of open sessions.
        _operator = new SessionWindowOperator(_binding, "append");
    }

    /// <summary>One epoch: partial step plus state update and eviction.</summary>
    [Benchmark(OperationsPerInvoke = RowsPerEpoch)]
    public RecordBatch Q11()
    {
        var (e, shift) = Next();
        _writer.Add(Shift(_raw[e], 1, shift), MicroData.Context);
        return Process(_writer.Finish()!, e, shift);
    }

    /// <summary>One epoch of the state partition alone (its partial rows precomputed).</summary>
    [Benchmark(OperationsPerInvoke = RowsPerEpoch)]
    public RecordBatch Q11State()
    {
        var (e, shift) = Next();
        var partial = _partials[e];
        return Process(Shift(Shift(partial, 1, shift), 2, shift), e, shift);
    }

    private (int Epoch, long Shift) Next()
    {
        var n = _epoch++;
        return (n % Epochs, n / Epochs * _lapMicros);
    }

    private RecordBatch Process(RecordBatch partial, int epoch, long shift)
    {
        var watermark = Times(_raw[epoch])[RowsPerEpoch - 1] + shift - DelayMicros;
        return _operator.Process([partial], new StatefulContext(_epoch, watermark, watermark));
    }

    private static ReadOnlySpan<long> Times(RecordBatch batch) => ((TimestampArray)batch.Column(1)).Values;

    private static RecordBatch Shift(RecordBatch batch, int column, long shift)
    {
        if (shift == 0) return batch;
        var source = ((TimestampArray)batch.Column(column)).Values;
        var values = new long[source.Length];
        for (var i = 0; i < values.Length; i++) values[i] = source[i] + shift;
        var shifted = new TimestampArray((Apache.Arrow.Types.TimestampType)batch.Column(column).Data.DataType,
            new ArrowBuffer(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray()), ArrowBuffer.Empty, values.Length, 0, 0);
        var columns = new IArrowArray[batch.ColumnCount];
        for (var c = 0; c < columns.Length; c++) columns[c] = c == column ? shifted : batch.Column(c);
        return new RecordBatch(batch.Schema, columns, batch.Length);
    }
}
