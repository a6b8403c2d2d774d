using OrleansStream.Engine.Planning;

namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>
/// Spark's watermark: per withWatermark the maximum event time seen minus its delay, 0 while the input has seen no data;
/// the global watermark is the minimum (or, with policy "max", the maximum) over the inputs, so with "min" it stays at 0
/// until every input has seen data, and it never moves backwards. The value an epoch computes takes effect in the next
/// epoch. The maxima live in the checkpoint records (Spark keeps them for a run only; see the README).
/// </summary>
public sealed class WatermarkTracker(IReadOnlyList<WatermarkSpec> watermarks, CheckpointRecords records)
{
    public bool HasWatermarks => watermarks.Count > 0;

    /// <summary>The watermark for the epoch after one that ran with <paramref name="currentMs"/> and saw <paramref name="eventTime"/>.</summary>
    public long Next(long currentMs, IReadOnlyDictionary<int, EventTimeStats> eventTime)
    {
        if (watermarks.Count == 0) return currentMs;
        foreach (var (id, stats) in eventTime) records.EventTimeMaxMs[id] = MaxMs(id, stats);
        return Of(currentMs, id => records.EventTimeMaxMs.TryGetValue(id, out var max) ? max : null);
    }

    /// <summary>The watermark <see cref="Next"/> will give, without keeping the event times: an epoch planned ahead takes
    /// it from the running epoch's source tasks, whose event times the records take only with that epoch's commit record
    /// (a restart re-runs the epoch and must find the maxima as they were before it).</summary>
    public long Peek(long currentMs, IReadOnlyDictionary<int, EventTimeStats> eventTime)
    {
        if (watermarks.Count == 0) return currentMs;
        return Of(currentMs, id => eventTime.TryGetValue(id, out var stats) ? MaxMs(id, stats)
            : records.EventTimeMaxMs.TryGetValue(id, out var max) ? max : null);
    }

    private long MaxMs(int id, EventTimeStats stats)
    {
        var maxMs = Math.DivRem(stats.MaxMicros, 1000).Quotient - (stats.MaxMicros < 0 && stats.MaxMicros % 1000 != 0 ? 1 : 0);
        return Math.Max(records.EventTimeMaxMs.GetValueOrDefault(id, long.MinValue), maxMs);
    }

    private long Of(long currentMs, Func<int, long?> maxMs)
    {
        var candidates = watermarks.Select(w => maxMs(w.Id) is { } max ? max - w.DelayMs : 0).ToList();
        return Math.Max(currentMs, records.WatermarkPolicy == "max" ? candidates.Max() : candidates.Min());
    }
}
