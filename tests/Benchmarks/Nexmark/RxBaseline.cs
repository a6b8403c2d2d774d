using System.Reactive.Linq;
using System.Reactive.Subjects;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>
/// Baseline (b): each query as a System.Reactive (Rx.NET) pipeline over bids as objects (made from the generator's batches
/// as they come, with the columns the query reads), pushed one by one through a Subject as an ingestion loop would. Rx has
/// no event-time windows or watermarks, so aggregations are written the way a .NET developer replaying a stream would:
/// GroupBy on the (window, key) and an aggregate per group, emitted when the input completes, then only the windows the
/// engine's final watermark has closed. Returns the number of result rows.
/// </summary>
internal static class RxBaseline
{
    private sealed record Projected(long Auction, long Bidder, long Price, DateTime DateTime, string Extra);
    private sealed record Converted(long Auction, long Bidder, double Price, DateTime DateTime, string Extra);
    private sealed record Classified(long Auction, long Bidder, double Price, string BidTimeType, DateTime DateTime, string Extra, int CCounts);

    public static long Run(string query, IEnumerable<Bid> bids, long finalWatermarkMicros)
    {
        var input = new Subject<Bid>();
        long rows = 0;
        IObservable<long> counted = query switch
        {
            "q0" => input.Select(b => new Projected(b.Auction, b.Bidder, b.Price, b.DateTime, b.Extra)).Select(_ => 1L),
            "q1" => input.Select(b => new Converted(b.Auction, b.Bidder, b.Price * NexmarkQueries.DollarToEuro, b.DateTime, b.Extra)).Select(_ => 1L),
            "q2" => input.Where(b => b.Auction % 123 == 0).Select(b => (b.Auction, b.Price)).Select(_ => 1L),
            "q14" => input.Where(b => b.Price * NexmarkQueries.DollarToEuro is > 1_000_000.0 and < 50_000_000.0)
                .Select(b => new Classified(b.Auction, b.Bidder, b.Price * NexmarkQueries.DollarToEuro,
                    b.DateTime.Hour is >= 8 and <= 18 ? "dayTime" : b.DateTime.Hour is <= 6 or >= 20 ? "nightTime" : "otherTime",
                    b.DateTime, b.Extra, b.Extra.Length))
                .Select(_ => 1L),
            "q5-agg" => input
                .SelectMany(b => SlidingStarts(b.TimeMicros).Select(start => (Start: start, b.Auction)))
                .GroupBy(w => w)
                .SelectMany(g => g.Count().Select(n => (g.Key.Start, g.Key.Auction, Count: n)))
                .Where(w => w.Start + NexmarkQueries.Q5SizeMicros <= finalWatermarkMicros)
                .Select(_ => 1L),
            "q7-agg" => input
                .GroupBy(b => b.TimeMicros - b.TimeMicros % NexmarkQueries.Q7SizeMicros)
                .SelectMany(g => g.Max(b => b.Price).Select(max => (Start: g.Key, Max: max)))
                .Where(w => w.Start + NexmarkQueries.Q7SizeMicros <= finalWatermarkMicros)
                .Select(_ => 1L),
            "q11" or "q11-tws" => input
                .GroupBy(b => b.Bidder)
                .SelectMany(g => g.Aggregate(new List<(long Start, long Last, long Count)>(), (sessions, b) =>
                {
                    var t = b.TimeMicros;
                    if (sessions.Count > 0 && t < sessions[^1].Last + NexmarkQueries.Q11GapMicros)
                        sessions[^1] = (sessions[^1].Start, t, sessions[^1].Count + 1);
                    else sessions.Add((t, t, 1));
                    return sessions;
                }))
                .SelectMany(sessions => sessions)
                .Where(s => s.Last + NexmarkQueries.Q11GapMicros <= finalWatermarkMicros)
                .Select(_ => 1L),
            "q12" => input
                .GroupBy(b => (b.Bidder, Window: DateTime.UtcNow.Ticks / (NexmarkQueries.Q12SizeMicros * 10)))
                .SelectMany(g => g.Count())
                .Select(_ => 1L),
            "count-1m" => input
                .GroupBy(b => HandLoopBaseline.Key(b.Auction, b.Bidder, b.Price))
                .SelectMany(g => g.Count())
                .Select(_ => 1L),
            _ => throw new ArgumentException($"No Rx pipeline for {query}."),
        };
        using (counted.Subscribe(n => rows += n))
        {
            foreach (var bid in bids) input.OnNext(bid);
            input.OnCompleted();
        }
        return rows;
    }

    private static IEnumerable<long> SlidingStarts(long t)
    {
        var lastStart = t - t % NexmarkQueries.Q5SlideMicros;
        for (var start = lastStart; start > t - NexmarkQueries.Q5SizeMicros; start -= NexmarkQueries.Q5SlideMicros) yield return start;
    }
}
