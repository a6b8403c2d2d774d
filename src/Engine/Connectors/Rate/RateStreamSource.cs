using System.Runtime.CompilerServices;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Sources;

namespace OrleansStream.Engine.Connectors.Rate;

/// <summary>
/// Spark's <c>rate</c> (rowsPerSecond from the first trigger, by the silo's clock) and <c>rate-micro-batch</c>
/// (rowsPerBatch per epoch, timestamps advancing by advanceMillisPerBatch) sources. Row i has value i; both are
/// fully determined by the offset, so a replayed epoch produces the same rows.
/// </summary>
internal sealed class RateStreamSource : StreamSource<RateOffset>
{
    private const int MaxBatchRows = 1 << 20;

    private readonly bool _microBatch;
    private readonly long _rowsPerSecond, _rowsPerBatch, _startTimestampMs, _advanceMillisPerBatch;
    // rate-micro-batch takes rowsPerBatch by definition; rate takes what the clock made available, up to this.
    private readonly long _maxRows = long.MaxValue;
    private readonly TimeProvider _time;

    public RateStreamSource(bool microBatch, IReadOnlyDictionary<string, string> options, TimeProvider time, long memoryBudgetBytes)
    {
        _time = time;
        _microBatch = microBatch;
        var reader = new ReaderOptions(options);
        NumPartitions = reader.GetPositiveInt("numPartitions") ?? 1;
        if (_microBatch)
        {
            _rowsPerBatch = reader.GetPositiveLong("rowsPerBatch") ?? throw new ArgumentException("Option 'rowsPerBatch' is required by the rate-micro-batch source.");
            _startTimestampMs = reader.GetLong("startTimestamp") ?? 0;
            _advanceMillisPerBatch = reader.GetLong("advanceMillisPerBatch") ?? 1000;
        }
        else
        {
            _rowsPerSecond = reader.GetPositiveLong("rowsPerSecond") ?? 1;
            _maxRows = EpochAdmission.MaxRows(reader.GetPositiveLong("maxRowsPerTrigger"), memoryBudgetBytes);
        }
    }

    public override Schema Schema => RateSourceProvider.RateSchema;
    public override int NumPartitions { get; }
    public override string Description => _microBatch
        ? $"RatePerMicroBatchStream[rowsPerBatch={_rowsPerBatch}, numPartitions={NumPartitions}]"
        : $"RateStreamV2[rowsPerSecond={_rowsPerSecond}, numPartitions={NumPartitions}]";

    protected override Task<RateOffset?> LatestOffsetAsync(RateOffset? previous, RateOffset? bound, ISourcePlanningState state, CancellationToken cancellationToken)
    {
        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        state.StartMs ??= nowMs;
        var prev = previous ?? new RateOffset(state.StartMs.Value, 0);
        var next = _microBatch
            ? prev with { Rows = prev.Rows + _rowsPerBatch }
            : prev with { Rows = Math.Max(prev.Rows, (nowMs - prev.StartMs) * _rowsPerSecond / 1000) };
        if (bound is not null) next = next with { Rows = Math.Min(next.Rows, bound.Rows) };
        var available = next.Rows;
        next = next with { Rows = Math.Min(available, prev.Rows + Math.Min(_maxRows, long.MaxValue - prev.Rows)) };
        SetBacklog("rowsBehindLatest", available - next.Rows);
        return Task.FromResult(next.Rows > prev.Rows ? next : null);
    }

    protected override async IAsyncEnumerable<RecordBatch> ReadAsync(RateOffset? start, RateOffset end, SourcePartition partition, Schema columns,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var from = start?.Rows ?? 0;
        // Slices of at most MaxBatchRows rows per partition: an Arrow buffer's length is an int, whatever an epoch admits.
        var slice = (long)MaxBatchRows * partition.Count;
        for (var first = from; first < end.Rows; first += slice)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return Generate(end.StartMs, first, Math.Min(end.Rows, first + slice), partition.Index, partition.Count);
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    private RecordBatch Generate(long startMs, long from, long to, int partition, int numPartitions)
    {
        // Row i belongs to partition i % numPartitions, as in Spark's rate source.
        var first = from + ((partition - from % numPartitions) + numPartitions) % numPartitions;
        var count = first >= to ? 0 : (int)((to - 1 - first) / numPartitions + 1);
        var values = new ArrowBuffer.Builder<long>(count);
        var stamps = new ArrowBuffer.Builder<long>(count);
        for (long i = first; i < to; i += numPartitions)
        {
            values.Append(i);
            stamps.Append(TimestampMicros(startMs, i));
        }
        var schema = RateSourceProvider.RateSchema;
        var ts = new TimestampArray(new ArrayData((TimestampType)schema.FieldsList[0].DataType, count, 0, 0, [ArrowBuffer.Empty, stamps.Build(ManagedMemoryAllocator.Instance)]));
        var val = new Int64Array(values.Build(ManagedMemoryAllocator.Instance), ArrowBuffer.Empty, count, 0, 0);
        return new RecordBatch(schema, [ts, val], count);
    }

    private long TimestampMicros(long startMs, long row) => _microBatch
        ? (_startTimestampMs + row / _rowsPerBatch * _advanceMillisPerBatch) * 1000
        : startMs * 1000 + row * 1_000_000 / _rowsPerSecond;
}
