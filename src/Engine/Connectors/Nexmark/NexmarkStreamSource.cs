using System.Runtime.CompilerServices;
using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Sources;
using OrleansStream.Engine.Sources.Nexmark;

namespace OrleansStream.Engine.Connectors.Nexmark;

/// <summary>
/// The <c>nexmark</c> source: one table of the Nexmark auction stream (NEXMARK.md), generated in the source tasks. Row k of
/// the table is fully determined by (seed, k), so any offset range regenerates the same rows in any silo: the offset is
/// just a row count. Event time advances at <c>eventsPerSecond</c> whatever the read speed; <c>rowsPerSecond</c>, when
/// given, paces how many rows exist by the silo's clock from the first trigger (as Spark's rate source does), which is
/// what a latency measurement needs: row k is handed to the source at start + k / rowsPerSecond.
/// </summary>
internal sealed class NexmarkStreamSource : StreamSource<NexmarkOffset>
{
    private const int MaxBatchRows = 65_536;
    private const long DefaultRowsPerBatch = 100_000;
    // A generated bid, person or auction row with its strings, and the pipeline's copies of it.
    private const int NexmarkRowBytes = 256;

    private readonly string _table;
    private readonly NexmarkConfig _config;
    private NexmarkGenerator? _generator;
    private readonly long? _rowsPerSecond, _numRows, _rowsPerBatch;
    private readonly long _maxRows;
    private readonly TimeProvider _time;
    // Batches come in pooled arrays: a reader that releases them (BatchBuffers.Release) spares the GC an epoch of columns.
    private readonly ArrowBufferPool _pool;

    /// <param name="schema">The table's schema, as <see cref="NexmarkSourceProvider.ResolveSchema"/> gives it.</param>
    /// <param name="pool">Where the batches' column arrays come from.</param>
    public NexmarkStreamSource(Schema schema, IReadOnlyDictionary<string, string> options, TimeProvider time, long memoryBudgetBytes, ArrowBufferPool pool)
    {
        _pool = pool;
        var reader = new ReaderOptions(options);
        _table = (reader.Get("table") ?? "bid").Trim().ToLowerInvariant();
        Schema = schema;
        var config = new NexmarkConfig(reader.GetLong("seed") ?? NexmarkConfig.Default.Seed,
            reader.GetPositiveLong("eventsPerSecond") ?? NexmarkConfig.Default.EventsPerSecond);
        _config = config;
        _rowsPerSecond = reader.GetPositiveLong("rowsPerSecond");
        _numRows = reader.GetPositiveLong("numRows");
        // Unpaced, every row exists at once: an epoch takes at most rowsPerBatch of them so that epochs stay small.
        _rowsPerBatch = reader.GetPositiveLong("rowsPerBatch") ?? (_rowsPerSecond is null ? DefaultRowsPerBatch : null);
        // Paced, an epoch takes what the clock made available, up to the admission limit: a query that cannot keep up falls
        // behind. Unpaced, rowsPerBatch bounds it.
        _maxRows = EpochAdmission.MaxRows(reader.GetPositiveLong("maxRowsPerTrigger"), memoryBudgetBytes, NexmarkRowBytes);
        NumPartitions = reader.GetPositiveInt("numPartitions") ?? Math.Clamp(Environment.ProcessorCount, 1, 8);
        _time = time;
    }

    public override Schema Schema { get; }
    public override int NumPartitions { get; }
    public override string Description =>
        $"NexmarkSource[table={_table}, eventsPerSecond={_config.EventsPerSecond}, rowsPerSecond={_rowsPerSecond?.ToString() ?? "unpaced"}, numPartitions={NumPartitions}]";

    protected override Task<NexmarkOffset?> LatestOffsetAsync(NexmarkOffset? previous, NexmarkOffset? bound, ISourcePlanningState state, CancellationToken cancellationToken)
    {
        var from = previous?.Rows ?? 0;
        var to = Available(state);
        if (_numRows is { } total) to = Math.Min(to, total);
        if (_rowsPerBatch is { } perBatch) to = Math.Min(to, from + perBatch);
        if (bound is not null) to = Math.Min(to, bound.Rows);
        var available = to;
        if (_rowsPerSecond is not null && to > from) to = Math.Min(to, from + _maxRows);
        SetBacklog("rowsBehindLatest", _rowsPerSecond is null ? 0 : available - to);
        return Task.FromResult(to > from ? new NexmarkOffset(to, state.StartMs ?? 0) : null);
    }

    protected override Task<NexmarkOffset?> AvailableNowBoundAsync(ISourcePlanningState state, CancellationToken cancellationToken)
    {
        if (_numRows is null && _rowsPerSecond is null)
            throw new ArgumentException("Trigger.AvailableNow needs a bounded nexmark source: set option 'numRows' or 'rowsPerSecond'.");
        var rows = Available(state);
        return Task.FromResult<NexmarkOffset?>(new NexmarkOffset(_numRows is { } total ? Math.Min(rows, total) : rows, state.StartMs ?? 0));
    }

    protected override async IAsyncEnumerable<RecordBatch> ReadAsync(NexmarkOffset? start, NexmarkOffset end, SourcePartition partition, Schema columns,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Partition p of (from, to] is the p-th contiguous slice: generation runs over consecutive rows.
        var from = start?.Rows ?? 0;
        var to = end.Rows;
        var first = from + (to - from) * partition.Index / partition.Count;
        var last = from + (to - from) * (partition.Index + 1) / partition.Count;
        for (var row = first; row < last; row += MaxBatchRows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return Generate(row, (int)Math.Min(MaxBatchRows, last - row), columns);
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    private long Available(ISourcePlanningState state)
    {
        if (_rowsPerSecond is not { } rate) return long.MaxValue;
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        state.StartMs ??= now;
        return (long)((Int128)(now - state.StartMs.Value) * rate / 1000);
    }

    private RecordBatch Generate(long first, int count, Schema columns)
    {
        // Built on first read: the trigger's planning copy of the connector never generates.
        var generator = _generator ??= NexmarkGenerator.For(_config);
        return _table switch
        {
            "bid" => generator.Bids(first, count, columns, _pool),
            "person" => generator.Persons(first, count, columns, _pool),
            _ => generator.Auctions(first, count, columns, _pool),
        };
    }
}
