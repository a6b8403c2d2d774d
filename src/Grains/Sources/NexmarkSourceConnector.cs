using System.Text.Json;
using Apache.Arrow;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Sources;
using OrleansStream.Engine.Sources.Nexmark;

namespace OrleansStream.Grains.Sources;

/// <summary>
/// The <c>nexmark</c> source: one table of the Nexmark auction stream (NEXMARK.md), generated in the source tasks. Row k of
/// the table is fully determined by (seed, k), so any offset range regenerates the same rows in any silo: the offset is
/// just a row count. Event time advances at <c>eventsPerSecond</c> whatever the read speed; <c>rowsPerSecond</c>, when
/// given, paces how many rows exist by the silo's clock from the first trigger (as Spark's rate source does), which is
/// what a latency measurement needs: row k is handed to the source at start + k / rowsPerSecond.
/// </summary>
internal sealed class NexmarkSourceConnector : ISourceConnector
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

    /// <param name="schema">The table's schema, as <see cref="SourceSchemas.Resolve"/> gives it.</param>
    public NexmarkSourceConnector(Schema schema, IReadOnlyDictionary<string, string> options, TimeProvider time, long memoryBudgetBytes)
    {
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

    public Schema Schema { get; }
    public int NumPartitions { get; }
    public IReadOnlyDictionary<string, string> Backlog { get; private set; } = ISourceConnector.NoBacklog;
    public string Description =>
        $"NexmarkSource[table={_table}, eventsPerSecond={_config.EventsPerSecond}, rowsPerSecond={_rowsPerSecond?.ToString() ?? "unpaced"}, numPartitions={NumPartitions}]";

    public Task<string?> PlanAsync(string? previousEnd, SourcePlanningState state, string? bound, CancellationToken cancellationToken)
    {
        var from = NexmarkOffset.Parse(previousEnd)?.Rows ?? 0;
        var to = Available(state);
        if (_numRows is { } total) to = Math.Min(to, total);
        if (_rowsPerBatch is { } perBatch) to = Math.Min(to, from + perBatch);
        if (NexmarkOffset.Parse(bound) is { } limit) to = Math.Min(to, limit.Rows);
        var available = to;
        if (_rowsPerSecond is not null && to > from) to = Math.Min(to, from + _maxRows);
        Backlog = ISourceConnector.BacklogOf("rowsBehindLatest", _rowsPerSecond is null ? 0 : available - to);
        return Task.FromResult(to > from ? new NexmarkOffset(to, state.StartMs ?? 0).ToString() : null);
    }

    public Task<string?> CaptureBoundAsync(SourcePlanningState state, CancellationToken cancellationToken)
    {
        if (_numRows is null && _rowsPerSecond is null)
            throw new ArgumentException("Trigger.AvailableNow needs a bounded nexmark source: set option 'numRows' or 'rowsPerSecond'.");
        var rows = Available(state);
        return Task.FromResult<string?>(new NexmarkOffset(_numRows is { } total ? Math.Min(rows, total) : rows, state.StartMs ?? 0).ToString());
    }

    public Task<IReadOnlyList<RecordBatch>> ReadAsync(string? start, string end, int partition, int numPartitions, CancellationToken cancellationToken) =>
        ReadColumnsAsync(start, end, partition, numPartitions, Schema, cancellationToken);

    public Task<IReadOnlyList<RecordBatch>> ReadColumnsAsync(string? start, string end, int partition, int numPartitions, Schema columns, CancellationToken cancellationToken)
    {
        // Partition p of (from, to] is the p-th contiguous slice: generation runs over consecutive rows.
        var from = NexmarkOffset.Parse(start)?.Rows ?? 0;
        var to = NexmarkOffset.Parse(end)!.Rows;
        var first = from + (to - from) * partition / numPartitions;
        var last = from + (to - from) * (partition + 1) / numPartitions;
        var batches = new List<RecordBatch>();
        for (var row = first; row < last; row += MaxBatchRows)
            batches.Add(Generate(row, (int)Math.Min(MaxBatchRows, last - row), columns));
        return Task.FromResult<IReadOnlyList<RecordBatch>>(batches);
    }

    private long Available(SourcePlanningState state)
    {
        if (_rowsPerSecond is not { } rate) return long.MaxValue;
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        state.StartMs ??= now;
        return (long)((Int128)(now - state.StartMs.Value) * rate / 1000);
    }

    private RecordBatch Generate(long first, int count, Schema columns)
    {
        // Built on first read: the trigger's planning copy of the connector never generates.
        var generator = _generator ??= new NexmarkGenerator(_config);
        if (_table == "bid") return generator.Bids(first, count, columns);
        var all = _table == "person" ? generator.Persons(first, count) : generator.Auctions(first, count);
        if (columns.FieldsList.Count == Schema.FieldsList.Count) return all;
        return new RecordBatch(columns, columns.FieldsList.Select(f => all.Column(Schema.GetFieldIndex(f.Name))), count);
    }

    /// <summary>The offset: how many rows of the table precede it, and when a paced source started (ms since the Unix epoch).</summary>
    private sealed record NexmarkOffset(long Rows, long StartMs)
    {
        public static NexmarkOffset? Parse(string? json)
        {
            if (json is null) return null;
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            return new NexmarkOffset(root.GetProperty("rows").GetInt64(), root.TryGetProperty("startMs", out var s) ? s.GetInt64() : 0);
        }

        public override string ToString() => $"{{\"rows\":{Rows},\"startMs\":{StartMs}}}";
    }
}
