using OrleansStream.Client;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>
/// q11-tws: q11's bidder sessions kept by hand in transformWithState (TimeMode.EventTime): per key a value state holding
/// the open session (start, last bid, count) and one event-time timer at its end (last bid + gap). A bid a gap or more after
/// the last closes the session (emitted at once: the input is in event-time order, so no bid can join it any more); the
/// timer emits the session when the watermark reaches its end. Same rows as q11's SessionWindow count.
/// </summary>
public sealed class BidderSessionProcessor : StatefulProcessor
{
    /// <summary>The open session of a key (µs since the Unix epoch).</summary>
    public sealed record Session(long StartMicros, long LastMicros, long Count);

    private const long Gap = NexmarkQueries.Q11GapMicros;
    private IValueState<Session> _session = null!;
    private StatefulProcessorHandle _handle = null!;

    /// <summary>The output rows' schema.</summary>
    public const string OutputDdl = "key BIGINT, session_start TIMESTAMP, session_end TIMESTAMP, bid_count BIGINT";

    /// <inheritdoc />
    public override void Init(StatefulProcessorHandle handle)
    {
        _handle = handle;
        _session = handle.GetValueState<Session>("session");
    }

    /// <inheritdoc />
    public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
    {
        var session = _session.Get();
        var timer = session is null ? (long?)null : TimerOf(session);
        List<Row>? output = null;
        foreach (var row in rows)
        {
            var t = Micros((DateTime)row[1]!);
            if (session is not null && t < session.LastMicros + Gap)
            {
                session = new Session(session.StartMicros, Math.Max(session.LastMicros, t), session.Count + 1);
                continue;
            }
            if (session is not null) (output ??= []).Add(Output(key, session));
            session = new Session(t, t, 1);
        }
        _session.Update(session!);
        var next = TimerOf(session!);
        if (timer != next)
        {
            if (timer is { } old) _handle.DeleteTimer(old);
            _handle.RegisterTimer(next);
        }
        return output ?? (IEnumerable<Row>)[];
    }

    /// <inheritdoc />
    public override IEnumerable<Row> HandleExpiredTimer(Row key, TimerValues timerValues, ExpiredTimerInfo expiredTimerInfo)
    {
        var session = _session.Get();
        if (session is null) return [];
        _session.Clear();
        return [Output(key, session)];
    }

    // The timer (ms) at the session's end, rounded up: it fires once the watermark is at or past the end, as q11 emits.
    private static long TimerOf(Session s) => (s.LastMicros + Gap + 999) / 1000;

    private static long Micros(DateTime time) => (time.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    private static Row Output(Row key, Session s) =>
        new([key[0], DateTime.UnixEpoch.AddTicks(s.StartMicros * 10), DateTime.UnixEpoch.AddTicks((s.LastMicros + Gap) * 10), s.Count], ["key", "session_start", "session_end", "bid_count"]);
}
