using OrleansStream.Client;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>
/// The suite's queries (NEXMARK.md) over the bids stream and, for the joins, over people and auctions too, written with the
/// public DataFrame API (the joins' engine definitions are in NexmarkQueries.Joins.cs). Window sizes, gaps and the
/// watermark delay are shared with the baselines through the constants here, so every system computes the same rows.
/// </summary>
public static partial class NexmarkQueries
{
    /// <summary>Watermark delay of the event-time queries: Flink's Nexmark DDL uses 4 seconds (the generator is in order).</summary>
    public const long WatermarkDelayMicros = 4_000_000;
    /// <summary>q5: sliding window size and slide.</summary>
    public const long Q5SizeMicros = 10_000_000, Q5SlideMicros = 2_000_000;
    /// <summary>q7: tumbling window size.</summary>
    public const long Q7SizeMicros = 10_000_000;
    /// <summary>q11: session gap.</summary>
    public const long Q11GapMicros = 10_000_000;
    /// <summary>q12: processing-time window size.</summary>
    public const long Q12SizeMicros = 10_000_000;
    /// <summary>The grouped count's key space.</summary>
    public const long DistinctKeys = 1_000_000;
    /// <summary>q1/q14 currency conversion.</summary>
    public const double DollarToEuro = 0.908;

    /// <summary>The grouped count's key: a mix of price, bidder and auction folded into 1M values (SQL, shared with DuckDB).</summary>
    public const string KeySql = "(price * 1000003 + bidder * 7919 + auction) % 1000000";

    /// <summary>q14's time-of-day bucket. The engine has no hour(): seconds of the UTC day give the same buckets
    /// (dayTime 8:00-18:59, nightTime up to 6:59 and from 20:00, otherTime between).</summary>
    public const string Q14BucketSql =
        "CASE WHEN CAST(dateTime AS LONG) % 86400 >= 28800 AND CAST(dateTime AS LONG) % 86400 < 68400 THEN 'dayTime' " +
        "WHEN CAST(dateTime AS LONG) % 86400 < 25200 OR CAST(dateTime AS LONG) % 86400 >= 72000 THEN 'nightTime' ELSE 'otherTime' END";

    /// <summary>q3: a person and an auction match when their event times are at most this far apart (both directions), which
    /// bounds both sides' join state. Flink's q3 is an unbounded join; the range keeps every match Flink finds as long as the
    /// event-time rate is at least 5,000 ev/s (an auction's seller is one of the last 1,000 people, 50,000 events back, or one
    /// of the next 10).</summary>
    public const long Q3RangeMicros = 10_000_000;
    /// <summary>q8: the tumbling window a person and their auction must share.</summary>
    public const long Q8SizeMicros = 10_000_000;
    /// <summary>q4, q9: a bid counts for an auction from the auction's dateTime to its expires (Flink's condition), and at most
    /// this long after the auction's start, a range on the event-time columns from which the join's state watermark follows.
    /// The aggregation after the join runs with the join's output watermark, this much below the query's (Spark 3.5's
    /// propagation), so no joined row is late for it; below the watermark delay, that would hold under a global watermark too. An
    /// auction lasts at most 3,333 events (about 100 auctions in flight), 0.33 s at the default 10,000 ev/s: the bound changes
    /// nothing above 1,667 ev/s.</summary>
    public const long AuctionBoundMicros = 2_000_000;
    /// <summary>q4: the tumbling window (over the auction's dateTime) the per-category average is taken over.</summary>
    public const long Q4SizeMicros = 10_000_000;

    private const string Delay = "4 seconds";

    /// <summary>Every query, in report order.</summary>
    public static IReadOnlyList<NexmarkQuery> All { get; } =
    [
        NexmarkQuery.OverBids("q0", "every bid, projected", OutputMode.Append, OutputMode.Append,
            bids => bids.Select("auction", "bidder", "price", "dateTime", "extra"), false, ["auction", "bidder", "price", "dateTime", "extra"]),
        NexmarkQuery.OverBids("q1", "price × 0.908", OutputMode.Append, OutputMode.Append,
            bids => bids.Select(Col("auction"), Col("bidder"), (Col("price") * DollarToEuro).As("price"), Col("dateTime"), Col("extra")), false, ["auction", "bidder", "price", "dateTime", "extra"]),
        NexmarkQuery.OverBids("q2", "auction % 123 = 0", OutputMode.Append, OutputMode.Append,
            bids => bids.Where(Col("auction") % 123 == 0).Select("auction", "price"), false, ["auction", "price"]),
        Join("q3", "people in OR/ID/CA ⋈ their auctions of category 10, |Δ dateTime| ≤ 10 s", isAggregation: false, new()
        {
            [NexmarkInput.Person] = ["id", "name", "city", "state", "dateTime"],
            [NexmarkInput.Auction] = ["id", "dateTime", "seller", "category"],
        }),
        Join("q4", "per category and 10 s window of auction start, average winning price of closed auctions", isAggregation: true, new()
        {
            [NexmarkInput.Auction] = ["id", "dateTime", "expires", "category"],
            [NexmarkInput.Bid] = ["auction", "price", "dateTime"],
        }),
        NexmarkQuery.OverBids("q5-agg", "count per auction, 10 s window every 2 s", OutputMode.Append, OutputMode.Update,
            bids => bids.WithWatermark("dateTime", Delay)
                .GroupBy(Window(Col("dateTime"), "10 seconds", "2 seconds"), Col("auction"))
                .Agg(Count().As("num")), true, ["auction", "dateTime"]),
        NexmarkQuery.OverBids("q7-agg", "max price per 10 s tumbling window", OutputMode.Append, OutputMode.Update,
            bids => bids.WithWatermark("dateTime", Delay)
                .GroupBy(Window(Col("dateTime"), "10 seconds"))
                .Agg(Max("price").As("maxprice")), true, ["price", "dateTime"]),
        Join("q8", "new people ⋈ their auctions in the same 10 s tumbling window", isAggregation: false, new()
        {
            [NexmarkInput.Person] = ["id", "name", "dateTime"],
            [NexmarkInput.Auction] = ["dateTime", "seller"],
        }),
        Join("q9", "winning (highest) bid price of each auction among bids in its lifetime", isAggregation: true, new()
        {
            [NexmarkInput.Auction] = ["id", "dateTime", "expires"],
            [NexmarkInput.Bid] = ["auction", "price", "dateTime"],
        }),
        NexmarkQuery.OverBids("q11", "bids per bidder session, 10 s gap", OutputMode.Append, OutputMode.Append,
            bids => bids.WithWatermark("dateTime", Delay)
                .GroupBy(Col("bidder"), SessionWindow(Col("dateTime"), "10 seconds"))
                .Agg(Count().As("bid_count")), true, ["bidder", "dateTime"]),
        Q11TransformWithState(),
        NexmarkQuery.OverBids("q12", "bids per bidder, 10 s processing-time window", OutputMode.Append, OutputMode.Update,
            // Processing time is the epoch's batch timestamp; a watermark on it closes the windows, as Spark users write it.
            bids => bids.WithColumn("p_time", CurrentTimestamp()).WithWatermark("p_time", "0 seconds")
                .GroupBy(Col("bidder"), Window(Col("p_time"), "10 seconds"))
                .Agg(Count().As("bid_count")), true, ["bidder"]),
        NexmarkQuery.OverBids("q14", "price filter, time-of-day bucket, extra length", OutputMode.Append, OutputMode.Append,
            bids => bids.Where((Col("price") * DollarToEuro > 1_000_000.0) & (Col("price") * DollarToEuro < 50_000_000.0))
                .Select(Col("auction"), Col("bidder"), (Col("price") * DollarToEuro).As("price"), Expr(Q14BucketSql).As("bidTimeType"),
                    Col("dateTime"), Col("extra"), Length(Col("extra")).As("c_counts")), false, ["auction", "bidder", "price", "dateTime", "extra"]),
        NexmarkQuery.OverBids("count-1m", "count per key, 1M distinct keys", OutputMode.Update, OutputMode.Update,
            bids => bids.GroupBy(Expr(KeySql).As("key")).Agg(Count().As("n")), true, ["auction", "bidder", "price"]),
        SessionsOverMillionKeys(),
        SessionsOverMillionKeysTransformWithState(),
    ];

    // A join runs in Append mode only (Spark's rule for stream-stream joins), in the throughput and the latency runs alike.
    private static NexmarkQuery Join(string name, string computes, bool isAggregation, Dictionary<string, IReadOnlyList<string>> reads) =>
        new(name, computes, OutputMode.Append, OutputMode.Append, streams => BuildJoin(name, streams), isAggregation, reads);

    private static DataFrame BuildJoin(string name, NexmarkStreams streams)
    {
        DataFrame? query = null;
        DefineJoin(name, streams, ref query);
        return query ?? throw new NotSupportedException($"The engine's {name} is defined in NexmarkQueries.Joins.cs, which needs the DataFrame join API (issue 19).");
    }

    /// <summary>The engine's join queries, in NexmarkQueries.Joins.cs.</summary>
    static partial void DefineJoin(string name, NexmarkStreams streams, ref DataFrame? query);

    /// <summary>Whether the query's result stays valid when it reads the same rows again (a paced latency run longer than the
    /// prebuilt input repeats it): true for the stateless queries and those keyed without event time; an event-time
    /// watermark would drop the repeated times as late.</summary>
    public static bool ReadsRepeatably(string name) => name is "q0" or "q1" or "q2" or "q12" or "q14" or "count-1m";

    /// <summary>The query named <paramref name="name"/>.</summary>
    public static NexmarkQuery Get(string name) => All.FirstOrDefault(q => q.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown query '{name}': expected one of {string.Join(", ", All.Select(q => q.Name))}.");
}
