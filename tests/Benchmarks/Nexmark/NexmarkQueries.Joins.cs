using System.Globalization;
using OrleansStream.Client;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>
/// The engine's join queries (NEXMARK.md q3, q4, q8, q9) with the DataFrame join API, in the form Spark's streaming rules
/// accept: both sides watermarked (4 s, as every event-time query here), and a time range or window equality between the
/// sides, so that the join's state is evicted as the watermark moves. Flink's SQL is the oracle; where Spark cannot say the
/// same thing, the closest form it can say is used, and NEXMARK.md (tests/Benchmarks/README.md) states what differs.
/// </summary>
public static partial class NexmarkQueries
{
    // Whole seconds: SQL intervals for the join conditions, numbers of seconds for window sizes.
    private static readonly string Q3Range = Interval(Q3RangeMicros), AuctionBound = Interval(AuctionBoundMicros),
        Q8Size = WholeSeconds(Q8SizeMicros), Q4Size = WholeSeconds(Q4SizeMicros);

    static partial void DefineJoin(string name, NexmarkStreams streams, ref DataFrame? query)
    {
        query = name switch
        {
            "q3" => Q3(streams.Person!, streams.Auction!),
            "q4" => WinningBids(streams.Auction!, streams.Bid!, withCategory: true)
                .GroupBy(Window(Col("a_time"), Q4Size + " seconds"), Col("category"))
                .Agg(Avg("final").As("average")),
            "q8" => Q8(streams.Person!, streams.Auction!),
            "q9" => WinningBids(streams.Auction!, streams.Bid!, withCategory: false),
            _ => null,
        };
    }

    // Flink: SELECT P.name, P.city, P.state, A.id FROM auction A JOIN person P ON A.seller = P.id
    //        WHERE A.category = 10 AND P.state IN ('OR', 'ID', 'CA'), an unbounded join. Here the sides must also be within
    // 10 s of each other, which bounds the state and, above 5,000 ev/s, drops no pair (an auction's seller is one of the
    // last 1,000 people or of the next 10).
    private static DataFrame Q3(DataFrame persons, DataFrame auctions)
    {
        var p = persons.Select(Col("id"), Col("name"), Col("city"), Col("state"), Col("dateTime").As("p_time")).WithWatermark("p_time", Delay)
            .Where((Col("state") == "OR") | (Col("state") == "ID") | (Col("state") == "CA"));
        var a = auctions.Select(Col("id").As("a_id"), Col("seller"), Col("category"), Col("dateTime").As("a_time")).WithWatermark("a_time", Delay)
            .Where(Col("category") == 10);
        return p.Join(a, Expr($"id = seller AND p_time BETWEEN a_time - {Q3Range} AND a_time + {Q3Range}"))
            .Select(Col("name"), Col("city"), Col("state"), Col("a_id").As("id"));
    }

    // Flink: people and auctions grouped by (id, name, window) and (seller, window) over 10 s tumbling windows, joined on
    // id = seller and equal windows: one row per new person with at least one auction in the window. Here the windowed join
    // itself, Spark's form (window(dateTime) in a select on each watermarked side, joined on id = seller and equal windows:
    // the watermark is in the join key, so each side's rows are evicted once it passes their window's end), one row per
    // (person, auction) pair.
    private static DataFrame Q8(DataFrame persons, DataFrame auctions)
    {
        var p = persons.Select(Col("id"), Col("name"), Col("dateTime").As("p_time")).WithWatermark("p_time", Delay)
            .Select(Col("id"), Col("name"), Window(Col("p_time"), Q8Size + " seconds").As("p_window"));
        var a = auctions.Select(Col("seller"), Col("dateTime").As("a_time")).WithWatermark("a_time", Delay)
            .Select(Col("seller"), Window(Col("a_time"), Q8Size + " seconds").As("a_window"));
        return p.Join(a, (Col("id") == Col("seller")) & (Col("p_window") == Col("a_window")))
            .Select(Col("id"), Col("name"), Col("p_window.start").As("starttime"));
    }

    // Flink's q9: per auction, the bid of highest price (earliest on a tie) among bids with auction.dateTime ≤ bid.dateTime ≤
    // auction.expires, by ROW_NUMBER() OVER (PARTITION BY A.id ORDER BY B.price DESC, B.dateTime ASC) = 1, the auction's and
    // the bid's columns. Spark has no row_number over a stream, and the engine no max_by or max over a struct: the closest is
    // max(price) per auction, one row per auction with a bid (the same rows), the winning price but not the rest of the
    // winning bid. The key holds the auction's dateTime, so that the group is final (and emitted in Append) once the
    // aggregation's watermark passes it: the join's output watermark, the lower of its sides' state watermarks (the
    // query's less the 2 s range), so every joined row is on time for it. Flink's q4 takes the max(price) per auction the same way, then
    // AVG(final) GROUP BY category over all time, updated as auctions close; Spark chains aggregations only in Append and
    // over event time, so q4 here averages per category and 10 s window of the auction's start (a per-category average of
    // all time cannot be final in Append mode).
    private static DataFrame WinningBids(DataFrame auctions, DataFrame bids, bool withCategory)
    {
        var a = (withCategory
                ? auctions.Select(Col("id"), Col("category"), Col("dateTime").As("a_time"), Col("expires"))
                : auctions.Select(Col("id"), Col("dateTime").As("a_time"), Col("expires")))
            .WithWatermark("a_time", Delay);
        var b = bids.Select(Col("auction"), Col("price"), Col("dateTime").As("b_time")).WithWatermark("b_time", Delay);
        var joined = a.Join(b, Expr($"id = auction AND b_time >= a_time AND b_time <= expires AND b_time <= a_time + {AuctionBound}"));
        return (withCategory ? joined.GroupBy(Col("id"), Col("category"), Col("a_time")) : joined.GroupBy(Col("id"), Col("a_time")))
            .Agg(Max("price").As("final"));
    }

    private static string Interval(long micros) => $"interval {WholeSeconds(micros)} seconds";

    private static string WholeSeconds(long micros) => (micros / 1_000_000).ToString(CultureInfo.InvariantCulture);
}
