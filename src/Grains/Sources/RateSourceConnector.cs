using System.Text.Json;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Sources;

namespace OrleansStream.Grains.Sources;

/// <summary>
/// Spark's <c>rate</c> (rowsPerSecond from the first trigger, by the silo's clock) and <c>rate-micro-batch</c>
/// (rowsPerBatch per epoch, timestamps advancing by advanceMillisPerBatch) sources. Row i has value i; both are
/// fully determined by the offset, so a replayed epoch produces the same rows.
/// </summary>
internal sealed class RateSourceConnector : ISourceConnector
{
    internal static readonly Schema RateSchema = new Schema.Builder()
        .Field(f => f.Name("timestamp").DataType(new TimestampType(TimeUnit.Microsecond, "UTC")).Nullable(false))
        .Field(f => f.Name("value").DataType(Int64Type.Default).Nullable(false))
        .Build();

    private const int MaxBatchRows = 1 << 20;

    private readonly bool _microBatch;
    private readonly long _rowsPerSecond, _rowsPerBatch, _startTimestampMs, _advanceMillisPerBatch;
    // rate-micro-batch takes rowsPerBatch by definition; rate takes what the clock made available, up to this.
    private readonly long _maxRows = long.MaxValue;
    private readonly TimeProvider _time;

    public RateSourceConnector(string format, IReadOnlyDictionary<string, string> options, TimeProvider time, long memoryBudgetBytes)
    {
        _time = time;
        _microBatch = format.Equals("rate-micro-batch", StringComparison.OrdinalIgnoreCase);
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

    public Schema Schema => RateSchema;
    public int NumPartitions { get; }
    public string Description => _microBatch
        ? $"RatePerMicroBatchStream[rowsPerBatch={_rowsPerBatch}, numPartitions={NumPartitions}]"
        : $"RateStreamV2[rowsPerSecond={_rowsPerSecond}, numPartitions={NumPartitions}]";
    public IReadOnlyDictionary<string, string> Backlog { get; private set; } = ISourceConnector.NoBacklog;

    public Task<string?> PlanAsync(string? previousEnd, SourcePlanningState state, string? bound, CancellationToken cancellationToken)
    {
        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        state.StartMs ??= nowMs;
        var prev = RateOffset.Parse(previousEnd, state.StartMs.Value);
        var next = _microBatch
            ? prev with { Rows = prev.Rows + _rowsPerBatch }
            : prev with { Rows = Math.Max(prev.Rows, (nowMs - prev.StartMs) * _rowsPerSecond / 1000) };
        if (bound is not null) next = next with { Rows = Math.Min(next.Rows, RateOffset.Parse(bound, nowMs).Rows) };
        var available = next.Rows;
        next = next with { Rows = Math.Min(available, prev.Rows + Math.Min(_maxRows, long.MaxValue - prev.Rows)) };
        Backlog = ISourceConnector.BacklogOf("rowsBehindLatest", available - next.Rows);
        return Task.FromResult(next.Rows > prev.Rows ? next.ToString() : null);
    }

    public Task<string?> CaptureBoundAsync(SourcePlanningState state, CancellationToken cancellationToken) => Task.FromResult<string?>(null);

    public Task<IReadOnlyList<RecordBatch>> ReadAsync(string? start, string end, int partition, int numPartitions, CancellationToken cancellationToken)
    {
        var to = RateOffset.Parse(end, 0);
        var from = start is null ? 0 : RateOffset.Parse(start, 0).Rows;
        // Slices of at most MaxBatchRows rows per partition: an Arrow buffer's length is an int, whatever an epoch admits.
        var batches = new List<RecordBatch>();
        var slice = (long)MaxBatchRows * numPartitions;
        for (var first = from; first < to.Rows; first += slice)
            batches.Add(Generate(to.StartMs, first, Math.Min(to.Rows, first + slice), partition, numPartitions));
        return Task.FromResult<IReadOnlyList<RecordBatch>>(batches);
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
        var ts = new TimestampArray(new ArrayData((TimestampType)RateSchema.FieldsList[0].DataType, count, 0, 0, [ArrowBuffer.Empty, stamps.Build(ManagedMemoryAllocator.Instance)]));
        var val = new Int64Array(values.Build(ManagedMemoryAllocator.Instance), ArrowBuffer.Empty, count, 0, 0);
        return new RecordBatch(RateSchema, [ts, val], count);
    }

    private long TimestampMicros(long startMs, long row) => _microBatch
        ? (_startTimestampMs + row / _rowsPerBatch * _advanceMillisPerBatch) * 1000
        : startMs * 1000 + row * 1_000_000 / _rowsPerSecond;

    /// <summary>The rate offset: when the source started (by the silo's clock) and how many rows precede the offset.</summary>
    private sealed record RateOffset(long StartMs, long Rows)
    {
        public static RateOffset Parse(string? json, long nowMs)
        {
            if (json is null) return new RateOffset(nowMs, 0);
            using var doc = JsonDocument.Parse(json);
            return new RateOffset(doc.RootElement.GetProperty("startMs").GetInt64(), doc.RootElement.GetProperty("rows").GetInt64());
        }

        public override string ToString() => $"{{\"startMs\":{StartMs},\"rows\":{Rows}}}";
    }
}
