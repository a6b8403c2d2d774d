using OrleansStream.Engine.Planning;

namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>
/// Spark's watermark: per withWatermark the maximum event time seen minus its delay, 0 while the input has seen no data;
/// the global watermark is the minimum (or, with policy "max", the maximum) over the inputs, so with "min" it stays at 0
/// until every input has seen data, and it never moves backwards. The value an epoch computes takes effect in the next
/// epoch. The maxima live in the checkpoint records (Spark keeps them for a run only; see the README) as of the last
/// committed epoch: the epochs run since keep theirs here until they commit (<see cref="OnCommitted"/>), so that a restart
/// that runs them again finds the maxima as they were before them.
/// </summary>
public sealed class WatermarkTracker(IReadOnlyList<WatermarkSpec> watermarks, CheckpointRecords records)
{
    // The maxima through the last epoch run (the records' until one runs), and after each epoch run and not committed.
    private Dictionary<int, long> _running = new(records.EventTimeMaxMs);
    private readonly SortedDictionary<long, Dictionary<int, long>> _after = new();

    public bool HasWatermarks => watermarks.Count > 0;

    /// <summary>The watermark for the epoch after <paramref name="batchId"/>, which ran with <paramref name="currentMs"/>
    /// and saw <paramref name="eventTime"/>; its maxima are kept until it commits (<see cref="OnCommitted"/>).</summary>
    public long Next(long batchId, long currentMs, IReadOnlyDictionary<int, EventTimeStats> eventTime)
    {
        if (watermarks.Count == 0) return currentMs;
        foreach (var (id, stats) in eventTime) _running[id] = MaxMs(id, stats);
        _after[batchId] = new Dictionary<int, long>(_running);
        return Of(currentMs, id => _running.TryGetValue(id, out var max) ? max : null);
    }

    /// <summary>The watermark <see cref="Next"/> will give, without keeping the event times: an epoch planned ahead takes
    /// it from the running epoch's source tasks.</summary>
    public long Peek(long currentMs, IReadOnlyDictionary<int, EventTimeStats> eventTime)
    {
        if (watermarks.Count == 0) return currentMs;
        return Of(currentMs, id => eventTime.TryGetValue(id, out var stats) ? MaxMs(id, stats)
            : _running.TryGetValue(id, out var max) ? max : null);
    }

    /// <summary>Epoch <paramref name="batchId"/> commits: the records take the maxima as they were after it.</summary>
    public void OnCommitted(long batchId)
    {
        if (!_after.Remove(batchId, out var maxima)) return;
        foreach (var (id, max) in maxima) records.EventTimeMaxMs[id] = max;
        foreach (var older in _after.Keys.Where(b => b < batchId).ToList()) _after.Remove(older);
    }

    /// <summary>The epochs after the last committed one will run again: back to the records' maxima.</summary>
    public void Reset()
    {
        _after.Clear();
        _running = new Dictionary<int, long>(records.EventTimeMaxMs);
    }

    private long MaxMs(int id, EventTimeStats stats)
    {
        var maxMs = Math.DivRem(stats.MaxMicros, 1000).Quotient - (stats.MaxMicros < 0 && stats.MaxMicros % 1000 != 0 ? 1 : 0);
        return Math.Max(_running.GetValueOrDefault(id, long.MinValue), maxMs);
    }

    private long Of(long currentMs, Func<int, long?> maxMs)
    {
        var candidates = watermarks.Select(w => maxMs(w.Id) is { } max ? max - w.DelayMs : 0).ToList();
        return Math.Max(currentMs, records.WatermarkPolicy == "max" ? candidates.Max() : candidates.Min());
    }
}
