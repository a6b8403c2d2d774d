using Apache.Arrow;
using Apache.Arrow.Types;
using BenchmarkDotNet.Attributes;
using OrleansStream.Engine.Operators.Aggregation;
using OrleansStream.Engine.State;
using OrleansStream.Plan.Types;

namespace OrleansStream.Benchmarks.Micro;

/// <summary>
/// Hash aggregation, count(*) and max(price) per key, on int64 keys (bidder: about a thousand distinct; a key mixed into
/// 1M values), string keys (channel: about 6,000 distinct) and q5's window keys (auction, window start, window end: about
/// 21,600 distinct), and window-only keys of time-ordered rows (as q7's max per window: runs of one key): source-side partial aggregation (PartialAggregator) and the state partition's update (AggregationState), per row.
/// </summary>
public class HashAggregationBenchmarks
{
    private static readonly AggregateSpec[] Aggregates = [new("count", null), new("max", Int64Type.Default)];
    private readonly List<int> _touched = new();
    private IArrowArray[] _bidder = null!, _channel = null!, _mixed = null!, _windowOnly = null!;
    private IArrowArray?[] _inputs = null!, _windowInputs = null!;
    private PartialAggregator _countPerBidder = null!;
    private PartialAggregator _partialInt64 = null!, _partialString = null!, _partialWindow = null!, _partialWindowOnly = null!;
    private AggregationState _stateInt64 = null!, _stateString = null!, _stateMillion = null!, _stateWindow = null!, _countMillion = null!;
    private RecordBatch _countPartials = null!;

    /// <summary>Builds the key columns and warms the states up to their steady key counts.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var bids = MicroData.Bids;
        _bidder = [bids.Column(1)];
        _channel = [bids.Column(3)];
        var auction = ((Int64Array)bids.Column(0)).Values;
        var bidder = ((Int64Array)bids.Column(1)).Values;
        var price = ((Int64Array)bids.Column(2)).Values;
        var mixed = new Int64Array.Builder();
        for (var i = 0; i < bids.Length; i++) mixed.Append(Nexmark.HandLoopBaseline.Key(auction[i], bidder[i], price[i]));
        _mixed = [mixed.Build()];
        _inputs = [null, bids.Column(2)];
        var int64Key = DataTypes.ParseSchema("key BIGINT");
        var stringKey = DataTypes.ParseSchema("key STRING");
        _partialInt64 = new PartialAggregator(int64Key, Aggregates);
        _countPerBidder = new PartialAggregator(int64Key, [new AggregateSpec("count", null)]);
        _partialString = new PartialAggregator(stringKey, Aggregates);
        _stateInt64 = new AggregationState(int64Key, Aggregates);
        _stateString = new AggregationState(stringKey, Aggregates);
        _stateMillion = new AggregationState(int64Key, Aggregates);
        // Window rows repeat each bid five times (once per window), so their argument column is the price repeated likewise.
        _windowInputs = [null, Repeat((Int64Array)bids.Column(2), MicroData.WindowRows / MicroData.Rows)];
        _partialWindow = new PartialAggregator(MicroData.WindowKeySchema, Aggregates);
        _stateWindow = new AggregationState(MicroData.WindowKeySchema, Aggregates);
        // The first window of every bid, in bid (time) order: start and end change every 2 seconds of event time.
        _windowOnly = [ArrowArrayFactory.Slice(MicroData.WindowKeys[1], 0, MicroData.Rows), ArrowArrayFactory.Slice(MicroData.WindowKeys[2], 0, MicroData.Rows)];
        _partialWindowOnly = new PartialAggregator(DataTypes.ParseSchema("window_start TIMESTAMP, window_end TIMESTAMP"), Aggregates);
        // The million-key state holds a million keys before the measured updates, as the count-1m query's state does.
        var all = new Int64Array.Builder();
        for (var k = 0; k < Nexmark.NexmarkQueries.DistinctKeys; k++) all.Append(k);
        var keys = all.Build();
        var counts = new Int64Array.Builder();
        for (var k = 0; k < keys.Length; k++) counts.Append(1);
        var ones = counts.Build();
        _stateMillion.Update([keys], [null, ones], keys.Length, _touched);
        _stateMillion.MarkClean();
        // count-1m's state partition: count(*) partials of a row each (the source passes unreduced rows on), a million keys held.
        _countMillion = new AggregationState(int64Key, [new AggregateSpec("count", null)]);
        _countMillion.Merge(new RecordBatch(_countMillion.PartialSchema, [keys, ones], keys.Length), _touched);
        _countMillion.MarkClean();
        _countPartials = new RecordBatch(_countMillion.PartialSchema, [_mixed[0], ArrowArrayFactory.Slice(ones, 0, MicroData.Rows)], MicroData.Rows);
    }

    /// <summary>Partial aggregation on int64 keys.</summary>
    [Benchmark(OperationsPerInvoke = MicroData.Rows)]
    public RecordBatch PartialInt64Key()
    {
        _partialInt64.Add(_bidder, _inputs, MicroData.Rows);
        return _partialInt64.Finish();
    }

    /// <summary>q12's partial aggregation: count(*) per bidder, counted densely (no key table).</summary>
    [Benchmark(OperationsPerInvoke = MicroData.Rows)]
    public RecordBatch PartialCountPerBidder()
    {
        _countPerBidder.Add(_bidder, [null], MicroData.Rows);
        return _countPerBidder.Finish();
    }

    /// <summary>Partial aggregation on string keys.</summary>
    [Benchmark(OperationsPerInvoke = MicroData.Rows)]
    public RecordBatch PartialStringKey()
    {
        _partialString.Add(_channel, _inputs, MicroData.Rows);
        return _partialString.Finish();
    }

    /// <summary>State update on int64 keys (about a thousand in state).</summary>
    [Benchmark(OperationsPerInvoke = MicroData.Rows)]
    public int StateInt64Key() => Update(_stateInt64, _bidder);

    /// <summary>State update on string keys.</summary>
    [Benchmark(OperationsPerInvoke = MicroData.Rows)]
    public int StateStringKey() => Update(_stateString, _channel);

    /// <summary>State update on int64 keys against a million keys in state.</summary>
    [Benchmark(OperationsPerInvoke = MicroData.Rows)]
    public int StateInt64KeyMillion() => Update(_stateMillion, _mixed);

    /// <summary>State merge of count(*) partials, a row each, on int64 keys against a million keys in state (count-1m's partition).</summary>
    [Benchmark(OperationsPerInvoke = MicroData.Rows)]
    public int StateMergeCountMillion()
    {
        _touched.Clear();
        _countMillion.Merge(_countPartials, _touched);
        _countMillion.MarkClean();
        return _touched.Count;
    }

    /// <summary>Partial aggregation on q5's window keys (bigint, timestamp, timestamp), per window row.</summary>
    [Benchmark(OperationsPerInvoke = MicroData.WindowRows)]
    public RecordBatch PartialWindowKey()
    {
        _partialWindow.Add(MicroData.WindowKeys, _windowInputs, MicroData.WindowRows);
        return _partialWindow.Finish();
    }

    /// <summary>Partial aggregation on window-only keys (window start, window end) of time-ordered rows.</summary>
    [Benchmark(OperationsPerInvoke = MicroData.Rows)]
    public RecordBatch PartialWindowOnlyKey()
    {
        _partialWindowOnly.Add(_windowOnly, _inputs, MicroData.Rows);
        return _partialWindowOnly.Finish();
    }

    /// <summary>State update on q5's window keys (about 21,600 in state), per window row.</summary>
    [Benchmark(OperationsPerInvoke = MicroData.WindowRows)]
    public int StateWindowKey() => Update(_stateWindow, MicroData.WindowKeys, _windowInputs, MicroData.WindowRows);

    private int Update(AggregationState state, IArrowArray[] keys) => Update(state, keys, _inputs, MicroData.Rows);

    private int Update(AggregationState state, IArrowArray[] keys, IArrowArray?[] inputs, int rows)
    {
        _touched.Clear();
        state.Update(keys, inputs, rows, _touched);
        // Keeps the change tracker from growing across iterations, as a checkpoint does every epoch.
        state.MarkClean();
        return _touched.Count;
    }

    private static Int64Array Repeat(Int64Array column, int times)
    {
        var builder = new Int64Array.Builder();
        for (var t = 0; t < times; t++)
            foreach (var v in column.Values) builder.Append(v);
        return builder.Build();
    }
}
