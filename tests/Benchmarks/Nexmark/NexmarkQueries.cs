using OrleansStream.Client;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>
/// The suite's queries (NEXMARK.md) over the bids stream, written with the public DataFrame API. Window sizes, gaps and the
/// watermark delay are shared with the baselines through the constants here, so every system computes the same rows.
/// </summary>
public static class NexmarkQueries
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

    private const string Delay = "4 seconds";

    /// <summary>Every query, in report order.</summary>
    public static IReadOnlyList<NexmarkQuery> All { get; } =
    [
        new("q0", "every bid, projected", OutputMode.Append, OutputMode.Append,
            bids => bids.Select("auction", "bidder", "price", "dateTime", "extra"), false, ["auction", "bidder", "price", "dateTime", "extra"]),
        new("q1", "price × 0.908", OutputMode.Append, OutputMode.Append,
            bids => bids.Select(Col("auction"), Col("bidder"), (Col("price") * DollarToEuro).As("price"), Col("dateTime"), Col("extra")), false, ["auction", "bidder", "price", "dateTime", "extra"]),
        new("q2", "auction % 123 = 0", OutputMode.Append, OutputMode.Append,
            bids => bids.Where(Col("auction") % 123 == 0).Select("auction", "price"), false, ["auction", "price"]),
        new("q5-agg", "count per auction, 10 s window every 2 s", OutputMode.Append, OutputMode.Update,
            bids => bids.WithWatermark("dateTime", Delay)
                .GroupBy(Window(Col("dateTime"), "10 seconds", "2 seconds"), Col("auction"))
                .Agg(Count().As("num")), true, ["auction", "dateTime"]),
        new("q7-agg", "max price per 10 s tumbling window", OutputMode.Append, OutputMode.Update,
            bids => bids.WithWatermark("dateTime", Delay)
                .GroupBy(Window(Col("dateTime"), "10 seconds"))
                .Agg(Max("price").As("maxprice")), true, ["price", "dateTime"]),
        new("q11", "bids per bidder session, 10 s gap", OutputMode.Append, OutputMode.Append,
            bids => bids.WithWatermark("dateTime", Delay)
                .GroupBy(Col("bidder"), SessionWindow(Col("dateTime"), "10 seconds"))
                .Agg(Count().As("bid_count")), true, ["bidder", "dateTime"]),
        new("q12", "bids per bidder, 10 s processing-time window", OutputMode.Append, OutputMode.Update,
            // Processing time is the epoch's batch timestamp; a watermark on it closes the windows, as Spark users write it.
            bids => bids.WithColumn("p_time", CurrentTimestamp()).WithWatermark("p_time", "0 seconds")
                .GroupBy(Col("bidder"), Window(Col("p_time"), "10 seconds"))
                .Agg(Count().As("bid_count")), true, ["bidder"]),
        new("q14", "price filter, time-of-day bucket, extra length", OutputMode.Append, OutputMode.Append,
            bids => bids.Where((Col("price") * DollarToEuro > 1_000_000.0) & (Col("price") * DollarToEuro < 50_000_000.0))
                .Select(Col("auction"), Col("bidder"), (Col("price") * DollarToEuro).As("price"), Expr(Q14BucketSql).As("bidTimeType"),
                    Col("dateTime"), Col("extra"), Length(Col("extra")).As("c_counts")), false, ["auction", "bidder", "price", "dateTime", "extra"]),
        new("count-1m", "count per key, 1M distinct keys", OutputMode.Update, OutputMode.Update,
            bids => bids.GroupBy(Expr(KeySql).As("key")).Agg(Count().As("n")), true, ["auction", "bidder", "price"]),
    ];

    /// <summary>The query named <paramref name="name"/>.</summary>
    public static NexmarkQuery Get(string name) => All.FirstOrDefault(q => q.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown query '{name}': expected one of {string.Join(", ", All.Select(q => q.Name))}.");
}
