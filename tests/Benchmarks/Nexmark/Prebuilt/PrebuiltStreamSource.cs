using Apache.Arrow;
using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Sources;

namespace OrleansStream.Benchmarks.Nexmark.Prebuilt;

/// <summary>
/// A replayable, partitioned source over a <see cref="PrebuiltTable"/>: the nexmark source's offsets, epochs and partitions
/// (the offset is a row count; partition p of an epoch is its p-th contiguous slice), with the rows already in memory
/// instead of generated in the source tasks, so that what a query costs is measured without what making its input costs.
/// Any offset range reads the same rows again, so replay after a restart gives the same batches. Options: <c>name</c> (the
/// table), <c>rowsPerBatch</c> (rows per epoch, unpaced), <c>rowsPerSecond</c> (paced by the silo's clock from the first
/// trigger, as the nexmark source), <c>repeat</c> (row k is row k mod the table's rows: a paced run longer than the table),
/// <c>numPartitions</c> (default: the cores, at most 8, as the nexmark source), <c>maxRowsPerTrigger</c>.
/// </summary>
internal sealed class PrebuiltStreamSource : StreamSource<PrebuiltOffset>
{
    private const long DefaultRowsPerBatch = 100_000;
    // As the nexmark source budgets a generated row.
    private const int RowBytes = 256;

    private readonly PrebuiltTable _table;
    private readonly long? _rowsPerSecond, _rowsPerBatch;
    private readonly long _maxRows, _rows;
    private readonly bool _repeat;
    private readonly TimeProvider _time;

    public PrebuiltStreamSource(PrebuiltTable table, ReaderOptions options, TimeProvider time, long memoryBudgetBytes)
    {
        _table = table;
        _rowsPerSecond = options.GetPositiveLong("rowsPerSecond");
        _repeat = options.GetBool("repeat", false);
        _rows = _repeat ? options.GetPositiveLong("numRows") ?? long.MaxValue : table.Rows;
        _rowsPerBatch = options.GetPositiveLong("rowsPerBatch") ?? (_rowsPerSecond is null ? DefaultRowsPerBatch : null);
        _maxRows = EpochAdmission.MaxRows(options.GetPositiveLong("maxRowsPerTrigger"), memoryBudgetBytes, RowBytes);
        NumPartitions = options.GetPositiveInt("numPartitions") ?? Math.Clamp(Environment.ProcessorCount, 1, 8);
        _time = time;
    }

    public override Schema Schema => _table.Schema;
    public override int NumPartitions { get; }
    // "table=" as the nexmark source's: the suite's latency measurement finds the table there.
    public override string Description =>
        $"PrebuiltSource[table={_table.Table}, rows={_table.Rows}, rowsPerSecond={_rowsPerSecond?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unpaced"}, repeat={_repeat}, numPartitions={NumPartitions}]";

    protected override Task<PrebuiltOffset?> LatestOffsetAsync(PrebuiltOffset? previous, PrebuiltOffset? bound, ISourcePlanningState state, CancellationToken cancellationToken)
    {
        var from = previous?.Rows ?? 0;
        var to = Math.Min(Available(state), _rows);
        if (_rowsPerBatch is { } perBatch) to = Math.Min(to, from + perBatch);
        if (bound is not null) to = Math.Min(to, bound.Rows);
        var available = to;
        if (_rowsPerSecond is not null && to > from) to = Math.Min(to, from + _maxRows);
        SetBacklog("rowsBehindLatest", _rowsPerSecond is null ? 0 : available - to);
        return Task.FromResult(to > from ? new PrebuiltOffset(to, state.StartMs ?? 0) : null);
    }

    protected override Task<PrebuiltOffset?> AvailableNowBoundAsync(ISourcePlanningState state, CancellationToken cancellationToken)
    {
        if (_rows == long.MaxValue && _rowsPerSecond is null)
            throw new ArgumentException("Trigger.AvailableNow needs a bounded prebuilt source: without 'rowsPerSecond' or 'numRows', 'repeat' makes it endless.");
        return Task.FromResult<PrebuiltOffset?>(new PrebuiltOffset(Math.Min(Available(state), _rows), state.StartMs ?? 0));
    }

    protected override IAsyncEnumerable<RecordBatch> ReadAsync(PrebuiltOffset? start, PrebuiltOffset end, SourcePartition partition, Schema columns, CancellationToken cancellationToken)
    {
        var from = start?.Rows ?? 0;
        var to = end.Rows;
        var first = from + (to - from) * partition.Index / partition.Count;
        var last = from + (to - from) * (partition.Index + 1) / partition.Count;
        return Yield(_table.Read(first, last, columns, _repeat), cancellationToken);
    }

    private long Available(ISourcePlanningState state)
    {
        if (_rowsPerSecond is not { } rate) return long.MaxValue;
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        state.StartMs ??= now;
        return (long)((Int128)(now - state.StartMs.Value) * rate / 1000);
    }
}
