using System.Globalization;
using DuckDB.NET.Data;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>
/// Baseline (c): the aggregations as DuckDB SQL over the very Parquet files the engine reads (read_parquet, so DuckDB pays
/// for decoding as the engine does), on DuckDB's default of one thread per core. Windows and sessions are computed in
/// integer microseconds exactly as the engine assigns them, and only those the engine's final watermark has closed are kept.
/// Returns the number of result rows (a checksum over an aggregate column keeps DuckDB from skipping the aggregate).
/// </summary>
internal static class DuckDbBaseline
{
    public static bool Supports(string query) => query is "q5-agg" or "q7-agg" or "q11" or "q12" or "count-1m";

    public static long Run(string query, string filesGlob, long finalWatermarkMicros)
    {
        var w = finalWatermarkMicros.ToString(CultureInfo.InvariantCulture);
        var bids = $"read_parquet('{filesGlob.Replace("'", "''", StringComparison.Ordinal)}')";
        var sql = query switch
        {
            "q5-agg" => $"""
                WITH b AS (SELECT auction, epoch_us(dateTime) AS t FROM {bids}),
                     w AS (SELECT auction, t - t % {NexmarkQueries.Q5SlideMicros} - k * {NexmarkQueries.Q5SlideMicros} AS ws FROM b CROSS JOIN range(5) r(k))
                SELECT count(*), sum(num) FROM (SELECT ws, auction, count(*) AS num FROM w GROUP BY ws, auction HAVING ws + {NexmarkQueries.Q5SizeMicros} <= {w})
                """,
            "q7-agg" => $"""
                WITH b AS (SELECT price, epoch_us(dateTime) AS t FROM {bids})
                SELECT count(*), sum(m) FROM (SELECT t - t % {NexmarkQueries.Q7SizeMicros} AS ws, max(price) AS m FROM b GROUP BY ws HAVING ws + {NexmarkQueries.Q7SizeMicros} <= {w})
                """,
            "q11" => $"""
                WITH b AS (SELECT bidder, epoch_us(dateTime) AS t FROM {bids}),
                     g AS (SELECT bidder, t, CASE WHEN t - lag(t) OVER (PARTITION BY bidder ORDER BY t) < {NexmarkQueries.Q11GapMicros} THEN 0 ELSE 1 END AS s FROM b),
                     h AS (SELECT bidder, t, sum(s) OVER (PARTITION BY bidder ORDER BY t ROWS UNBOUNDED PRECEDING) AS sid FROM g)
                SELECT count(*), sum(n) FROM (SELECT bidder, sid, count(*) AS n FROM h GROUP BY bidder, sid HAVING max(t) + {NexmarkQueries.Q11GapMicros} <= {w})
                """,
            // DuckDB has no processing time inside a query: now() is the statement's start, one 10-second window.
            "q12" => $"""
                SELECT count(*), sum(n) FROM (SELECT bidder, epoch_us(now()) // {NexmarkQueries.Q12SizeMicros} AS pw, count(*) AS n FROM {bids} GROUP BY bidder, pw)
                """,
            "count-1m" => $"""
                SELECT count(*), sum(n) FROM (SELECT {NexmarkQueries.KeySql} AS key, count(*) AS n FROM {bids} GROUP BY key)
                """,
            _ => throw new ArgumentException($"No DuckDB query for {query}."),
        };
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        reader.Read();
        return reader.GetInt64(0);
    }
}
