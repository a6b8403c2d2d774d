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
        foreach (var (id, stats) in eventTime)
        {
            var maxMs = Math.DivRem(stats.MaxMicros, 1000).Quotient - (stats.MaxMicros < 0 && stats.MaxMicros % 1000 != 0 ? 1 : 0);
            records.EventTimeMaxMs[id] = Math.Max(records.EventTimeMaxMs.GetValueOrDefault(id, long.MinValue), maxMs);
        }
        var candidates = watermarks.Select(w => records.EventTimeMaxMs.TryGetValue(w.Id, out var max) ? max - w.DelayMs : 0).ToList();
        return Math.Max(currentMs, records.WatermarkPolicy == "max" ? candidates.Max() : candidates.Min());
    }
}
