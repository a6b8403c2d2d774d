using OrleansStream.Client;

namespace OrleansStream.Silo;

/// <summary>
/// The processor of the main job's --stateful query: a running count of events per user, and a "quiet" row once a user
/// sends nothing for 10 seconds of event time (an event-time timer the watermark fires), which also clears the user's state.
/// </summary>
public sealed class QuietUsers : StatefulProcessor
{
    private const long QuietAfterMs = 10_000;
    private StatefulProcessorHandle _handle = null!;
    private IValueState<long> _count = null!;
    private IValueState<long> _lastSeenMs = null!;

    /// <inheritdoc />
    public override void Init(StatefulProcessorHandle handle)
    {
        _handle = handle;
        _count = handle.GetValueState<long>("count");
        _lastSeenMs = handle.GetValueState<long>("lastSeenMs");
    }

    /// <inheritdoc />
    public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
    {
        long events = 0, lastSeen = _lastSeenMs.Exists() ? _lastSeenMs.Get() : long.MinValue;
        foreach (var row in rows)
        {
            events++;
            if (row["ts"] is DateTime ts) lastSeen = Math.Max(lastSeen, (long)(ts - DateTime.UnixEpoch).TotalMilliseconds);
        }
        var count = _count.Get() + events;
        _count.Update(count);
        if (_lastSeenMs.Exists()) _handle.DeleteTimer(_lastSeenMs.Get() + QuietAfterMs);
        _lastSeenMs.Update(lastSeen);
        _handle.RegisterTimer(lastSeen + QuietAfterMs);
        return [Output(key, "count", count, lastSeen)];
    }

    /// <inheritdoc />
    public override IEnumerable<Row> HandleExpiredTimer(Row key, TimerValues timerValues, ExpiredTimerInfo expiredTimerInfo)
    {
        var row = Output(key, "quiet", _count.Get(), _lastSeenMs.Get());
        _count.Clear();
        _lastSeenMs.Clear();
        return [row];
    }

    private static Row Output(Row key, string kind, long count, long lastSeenMs) =>
        new([key[0], kind, count, DateTime.UnixEpoch.AddMilliseconds(lastSeenMs)], ["user", "kind", "events", "last_seen"]);
}
