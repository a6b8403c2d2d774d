using System.Globalization;
using DuckDB.NET.Data;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>
/// Baseline (c): the aggregations as DuckDB SQL over the very Parquet files the engine reads (read_parquet, so DuckDB pays
/// for decoding as the engine does), on DuckDB's default of one thread per core. Windows and sessions are computed in
/// integer microseconds exactly as the engine assigns them, and only those the engine's final watermark has closed are kept.
/// Returns the number of result rows (a checksum over an aggregate column keeps DuckDB from skipping the aggregate).
/// The joins (<see cref="RunJoin"/>) read the persons, auctions and bids of their input the same way, one folder of Parquet
/// files per table, and state the join conditions of the engine's queries in SQL.
/// </summary>
internal static class DuckDbBaseline
{
    public static bool Supports(string query) => query is "q5-agg" or "q7-agg" or "q11" or "q11-tws" or "q12" or "count-1m";

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
            "q11" or "q11-tws" => $"""
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
        return Execute(sql);
    }

    /// <summary>
    /// A join query over the Parquet files of its tables (globs; a table the query does not read may be null). Times are
    /// compared in integer microseconds, as the engine does; aggregates keep only the groups the final watermark has closed.
    /// </summary>
    public static long RunJoin(string query, string? personsGlob, string? auctionsGlob, string? bidsGlob, long finalWatermarkMicros)
    {
        // q4's and q9's aggregations close by the join's output watermark, below the query's (Spark 3.5's propagation).
        var w = (query is "q4" or "q9" ? JoinHandLoops.AuctionJoinOutputWatermark(finalWatermarkMicros) : finalWatermarkMicros).ToString(CultureInfo.InvariantCulture);
        string Read(string? glob, string table) =>
            $"read_parquet('{(glob ?? throw new ArgumentException($"{query} reads the {table} table.")).Replace("'", "''", StringComparison.Ordinal)}')";
        // q4 and q9: each auction's highest bid among bids from its start to its end (and at most the bound after its start),
        // for the auctions whose group the final watermark has closed (key dateTime ≤ the join's output watermark). The test is on an aggregate
        // of the key, not the key: DuckDB pushes a comparison of a timestamp column with a constant down into the Parquet scan,
        // which trusts the row group's min/max statistics, and the engine's writer (Parquet.Net) records those of timestamp
        // columns 1,000 times too small (DuckDB shows 1970-01-21 for 2025-01-01): every row passed.
        string Winners() => $"""
            a AS (SELECT id, category, epoch_us(dateTime) AS t, least(epoch_us(expires), epoch_us(dateTime) + {NexmarkQueries.AuctionBoundMicros}) AS last FROM {Read(auctionsGlob, "auction")}),
            b AS (SELECT auction, price, epoch_us(dateTime) AS t FROM {Read(bidsGlob, "bid")}),
            winners AS (SELECT a.id, a.category, a.t, max(b.price) AS final FROM a JOIN b ON a.id = b.auction AND b.t >= a.t AND b.t <= a.last
                        GROUP BY a.id, a.category, a.t HAVING max(a.t) <= {w})
            """;
        var sql = query switch
        {
            "q3" => $"""
                WITH p AS (SELECT id, name, city, state, epoch_us(dateTime) AS t FROM {Read(personsGlob, "person")} WHERE state IN ('OR', 'ID', 'CA')),
                     a AS (SELECT id, seller, epoch_us(dateTime) AS t FROM {Read(auctionsGlob, "auction")} WHERE category = 10)
                SELECT count(*), sum(length(p.name) + length(p.city) + length(p.state) + a.id)
                FROM p JOIN a ON a.seller = p.id AND p.t BETWEEN a.t - {NexmarkQueries.Q3RangeMicros} AND a.t + {NexmarkQueries.Q3RangeMicros}
                """,
            "q8" => $"""
                WITH p AS (SELECT id, name, epoch_us(dateTime) AS t FROM {Read(personsGlob, "person")}),
                     a AS (SELECT seller, epoch_us(dateTime) AS t FROM {Read(auctionsGlob, "auction")})
                SELECT count(*), sum(p.id + length(p.name))
                FROM p JOIN a ON a.seller = p.id AND p.t - p.t % {NexmarkQueries.Q8SizeMicros} = a.t - a.t % {NexmarkQueries.Q8SizeMicros}
                """,
            "q9" => $"""
                WITH {Winners()}
                SELECT count(*), sum(final) FROM winners
                """,
            "q4" => $"""
                WITH {Winners()}
                SELECT count(*), sum(average) FROM (
                    SELECT t - t % {NexmarkQueries.Q4SizeMicros} AS ws, category, avg(final) AS average FROM winners
                    GROUP BY ws, category HAVING ws + {NexmarkQueries.Q4SizeMicros} <= {w})
                """,
            _ => throw new ArgumentException($"No DuckDB query for {query}."),
        };
        return Execute(sql);
    }

    private static long Execute(string sql)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        reader.Read();
        return reader.GetInt64(0);
    }
}
