using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using OrleansStream.Engine.Execution.Streaming;

namespace OrleansStream.Engine.Telemetry;

/// <summary>
/// One run's telemetry: it records each progress the coordinator builds into <see cref="StreamingTelemetry"/>'s
/// instruments, keeps the last one for the gauges, traces each epoch as a span, and opens the logging scopes that put the
/// query id and the batch id on every log written in the run's flow.
/// </summary>
public sealed class QueryTelemetry(Guid queryId, string? queryName, Guid runId, ILogger? logger = null)
{
    private readonly KeyValuePair<string, object?> _idTag = new("query.id", queryId.ToString());
    private readonly KeyValuePair<string, object?> _nameTag = new("query.name", queryName ?? "");
    private EpochProgress? _last;

    public Guid QueryId => queryId;

    /// <summary>Puts the query into the gauges until the returned registration is disposed (the run ended).</summary>
    public IDisposable Track() => StreamingTelemetry.Track(this);

    /// <summary>The run's logging scope: QueryId, QueryName and RunId.</summary>
    public IDisposable? BeginRunScope() => logger?.BeginScope(new Dictionary<string, object?>
    {
        ["QueryId"] = queryId, ["QueryName"] = queryName, ["RunId"] = runId,
    });

    /// <summary>An epoch's logging scope: BatchId (within the run's scope).</summary>
    public IDisposable? BeginEpochScope(long batchId) => logger?.BeginScope(new Dictionary<string, object?> { ["BatchId"] = batchId });

    /// <summary>
    /// Starts the span of epoch <paramref name="batchId"/>, beginning when it was planned (<paramref name="planned"/>, with
    /// its plan and write-ahead phases) or now for an epoch re-run from the offset log. Null when nothing listens.
    /// </summary>
    public EpochSpan? StartEpoch(long batchId, PlanTiming? planned)
    {
        if (!StreamingTelemetry.ActivitySource.HasListeners()) return null;
        // An epoch is a root: the grain call that started the run is not its cause.
        Activity.Current = null;
        var timing = planned is { } p && p.BatchId == batchId ? p : (PlanTiming?)null;
        var activity = StreamingTelemetry.ActivitySource.StartActivity(
            string.Create(CultureInfo.InvariantCulture, $"epoch {batchId}"), ActivityKind.Internal, parentContext: default,
            [_idTag, _nameTag, new("batch.id", batchId)], startTime: timing?.Started ?? default);
        if (activity is null) return null;
        var span = new EpochSpan(activity);
        if (timing is { } t)
        {
            span.Completed("plan", t.Started, t.WriteAheadStarted);
            // A write-ahead still in flight (it overlaps the epoch's source tasks) is added once durable.
            if (t.WrittenAhead != default) span.Completed("write-ahead", t.WriteAheadStarted, t.WrittenAhead);
        }
        return span;
    }

    /// <summary>Records a progress: an epoch's counts and durations, and (epoch or idle trigger) the gauges' reading.</summary>
    public void OnProgress(EpochProgress progress, bool ranEpoch)
    {
        Volatile.Write(ref _last, progress);
        if (!ranEpoch) return;
        foreach (var source in progress.Sources)
            if (source.NumInputRows > 0) StreamingTelemetry.InputRows.Add(source.NumInputRows, _idTag, _nameTag, new("source.id", source.SourceId));
        if (progress.NumOutputRows > 0) StreamingTelemetry.SinkRows.Add(progress.NumOutputRows, _idTag, _nameTag);
        StreamingTelemetry.EpochDuration.Record(progress.BatchDurationMs / 1000.0, _idTag, _nameTag);
        foreach (var (phase, ms) in progress.DurationMs)
            if (phase != "triggerExecution") StreamingTelemetry.PhaseDuration.Record(ms / 1000.0, _idTag, _nameTag, new("phase", phase));
    }

    internal Measurement<double>? InputRate() => Volatile.Read(ref _last) is { } p ? new(p.InputRowsPerSecond, _idTag, _nameTag) : null;

    internal Measurement<double>? ProcessRate() => Volatile.Read(ref _last) is { } p ? new(p.ProcessedRowsPerSecond, _idTag, _nameTag) : null;

    internal IEnumerable<Measurement<long>> StateRows() => PerOperator(op => op.NumRowsTotal);

    internal IEnumerable<Measurement<long>> StateMemory() => PerOperator(op => op.MemoryUsedBytes);

    // Only a watermarked query reports one; before its first watermark (0, the epoch) it trails nothing meaningful.
    internal Measurement<double>? WatermarkLag()
    {
        if (Volatile.Read(ref _last) is not { } p || !p.EventTime.TryGetValue("watermark", out var text)) return null;
        var watermarkMs = DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUnixTimeMilliseconds();
        if (watermarkMs == 0) return null;
        // In whole milliseconds, as the batch timestamp and the watermark are.
        return new((p.TriggerStart.ToUnixTimeMilliseconds() - watermarkMs) / 1000.0, _idTag, _nameTag);
    }

    private IEnumerable<Measurement<long>> PerOperator(Func<EpochProgress.StateOperator, long> value)
    {
        if (Volatile.Read(ref _last) is not { } p) yield break;
        for (var i = 0; i < p.StateOperators.Count; i++)
            yield return new(value(p.StateOperators[i]), _idTag, _nameTag,
                new("operator.name", p.StateOperators[i].OperatorName), new("operator.index", i));
    }
}
