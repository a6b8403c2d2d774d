using OrleansStream.Client;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>
/// q11-tws: q11's bidder sessions kept by hand in transformWithState (TimeMode.EventTime): per key a value state holding
/// the open session (start, last bid, count) and an event-time timer at its end (last bid + gap), moved as bids extend it.
/// A bid a gap or more after the last closes the session; like q11's SessionWindow in Append mode, a session is emitted
/// only once the watermark reaches its end, so a closed one waits in a list state, its timer left in place. Same rows as q11.
/// </summary>
public sealed class BidderSessionProcessor : StatefulProcessor
{
    /// <summary>A session of a key (µs since the Unix epoch).</summary>
    public sealed record Session(long StartMicros, long LastMicros, long Count);

    private const long Gap = NexmarkQueries.Q11GapMicros;
    private IValueState<Session> _open = null!;
    private IListState<Session> _closed = null!;
    private StatefulProcessorHandle _handle = null!;

    /// <summary>The output rows' schema.</summary>
    public const string OutputDdl = "key BIGINT, session_start TIMESTAMP, session_end TIMESTAMP, bid_count BIGINT";

    /// <inheritdoc />
    public override void Init(StatefulProcessorHandle handle)
    {
        _handle = handle;
        _open = handle.GetValueState<Session>("session");
        _closed = handle.GetListState<Session>("closed");
    }

    /// <inheritdoc />
    public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
    {
        var session = _open.Get();
        var timer = session is null ? (long?)null : TimerOf(session);
        foreach (var row in rows)
        {
            var t = Micros((DateTime)row[1]!);
            if (session is not null && t < session.LastMicros + Gap)
            {
                session = new Session(session.StartMicros, Math.Max(session.LastMicros, t), session.Count + 1);
                continue;
            }
            // Closed: it keeps its timer, which emits it.
            if (session is not null)
            {
                _closed.AppendValue(session);
                timer = null;
            }
            session = new Session(t, t, 1);
        }
        _open.Update(session!);
        var next = TimerOf(session!);
        if (timer != next)
        {
            if (timer is { } old) _handle.DeleteTimer(old);
            _handle.RegisterTimer(next);
        }
        return [];
    }

    /// <inheritdoc />
    public override IEnumerable<Row> HandleExpiredTimer(Row key, TimerValues timerValues, ExpiredTimerInfo expiredTimerInfo)
    {
        var due = expiredTimerInfo.GetExpiryTimeInMs();
        var output = new List<Row>();
        if (_closed.Exists())
        {
            var closed = _closed.Get().ToList();
            output.AddRange(closed.Where(s => TimerOf(s) <= due).Select(s => Output(key, s)));
            var waiting = closed.Where(s => TimerOf(s) > due).ToList();
            if (waiting.Count == 0) _closed.Clear();
            else if (waiting.Count < closed.Count) _closed.Put(waiting);
        }
        if (_open.Get() is { } open && TimerOf(open) <= due)
        {
            output.Add(Output(key, open));
            _open.Clear();
        }
        return output;
    }

    // The timer (ms) at the session's end, rounded up: it fires once the watermark is at or past the end, as q11 emits.
    private static long TimerOf(Session s) => (s.LastMicros + Gap + 999) / 1000;

    private static long Micros(DateTime time) => (time.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    private static Row Output(Row key, Session s) =>
        new([key[0], DateTime.UnixEpoch.AddTicks(s.StartMicros * 10), DateTime.UnixEpoch.AddTicks((s.LastMicros + Gap) * 10), s.Count], ["key", "session_start", "session_end", "bid_count"]);
}
