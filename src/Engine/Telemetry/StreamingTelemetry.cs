using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OrleansStream.Engine.Telemetry;

/// <summary>
/// The engine's one <see cref="Meter"/> and one <see cref="ActivitySource"/>, both named "OrleansStream" (DESIGN.md §9).
/// The instruments carry Spark's progress numbers per query (tags query.id and query.name); an exporter is configured by
/// the host (src/Silo), so the engine depends on System.Diagnostics only.
/// </summary>
public static class StreamingTelemetry
{
    /// <summary>The name of the meter and of the activity source.</summary>
    public const string Name = "OrleansStream";

    public static readonly ActivitySource ActivitySource = new(Name);
    public static readonly Meter Meter = new(Name);

    // The runs alive in this process: the observable gauges read each one's last progress when a reader collects.
    private static readonly ConcurrentDictionary<QueryTelemetry, byte> Running = new();

    /// <summary>numInputRows, per source (tag source.id).</summary>
    internal static readonly Counter<long> InputRows = Meter.CreateCounter<long>("orleansstream.input.rows", "{row}", "Rows read from the query's sources (Spark's numInputRows).");
    /// <summary>numOutputRows: rows the sink received.</summary>
    internal static readonly Counter<long> SinkRows = Meter.CreateCounter<long>("orleansstream.sink.rows", "{row}", "Rows written to the query's sink (Spark's sink numOutputRows).");
    // Epochs last milliseconds to seconds: without advice an exporter's default buckets (0, 5, 10, ... 10,000, meant for
    // milliseconds) put every epoch in the first one.
    private static readonly InstrumentAdvice<double> SecondsBuckets = new()
    {
        HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    };

    internal static readonly Histogram<double> EpochDuration = Meter.CreateHistogram<double>("orleansstream.epoch.duration", "s", "Duration of an epoch from its trigger to its commit (Spark's durationMs.triggerExecution).", tags: null, advice: SecondsBuckets);
    /// <summary>Spark's durationMs split (tag phase: latestOffset, queryPlanning, getBatch, walCommit, addBatch, commitOffsets).</summary>
    internal static readonly Histogram<double> PhaseDuration = Meter.CreateHistogram<double>("orleansstream.epoch.phase.duration", "s", "Duration of one phase of an epoch (Spark's durationMs keys, tag phase).", tags: null, advice: SecondsBuckets);

    static StreamingTelemetry()
    {
        Meter.CreateObservableGauge("orleansstream.input.rate", () => Observe(q => q.InputRate()), "{row}/s", "Input rows per second since the previous trigger (Spark's inputRowsPerSecond).");
        Meter.CreateObservableGauge("orleansstream.process.rate", () => Observe(q => q.ProcessRate()), "{row}/s", "Input rows per second of epoch time (Spark's processedRowsPerSecond).");
        Meter.CreateObservableGauge("orleansstream.state.rows", () => ObserveMany(q => q.StateRows()), "{row}", "Rows in a stateful operator's state (Spark's stateOperators.numRowsTotal; tags operator.name, operator.index).");
        Meter.CreateObservableGauge("orleansstream.state.memory", () => ObserveMany(q => q.StateMemory()), "By", "Memory a stateful operator's state uses (Spark's stateOperators.memoryUsedBytes; tags operator.name, operator.index).");
        Meter.CreateObservableGauge("orleansstream.watermark.lag", () => Observe(q => q.WatermarkLag()), "s", "How far the event-time watermark trails the last trigger's time (Spark's eventTime.watermark against the batch timestamp).");
    }

    internal static IDisposable Track(QueryTelemetry query)
    {
        Running[query] = 0;
        return new Registration(query);
    }

    private static IEnumerable<Measurement<double>> Observe(Func<QueryTelemetry, Measurement<double>?> read)
    {
        foreach (var query in Running.Keys)
            if (read(query) is { } measurement) yield return measurement;
    }

    private static IEnumerable<Measurement<long>> ObserveMany(Func<QueryTelemetry, IEnumerable<Measurement<long>>> read) =>
        Running.Keys.SelectMany(read);

    private sealed class Registration(QueryTelemetry query) : IDisposable
    {
        public void Dispose() => Running.TryRemove(query, out _);
    }
}
