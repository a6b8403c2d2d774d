using System.Runtime.InteropServices;
using Apache.Arrow;
using OrleansStream.Plan.Types;

using static OrleansStream.Benchmarks.Nexmark.HandLoopBaseline;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>
/// Baseline (a) for the join queries, the ceiling: single-threaded symmetric hash joins over the same generated Arrow batches
/// the engine's sources read (the suite hands over each range of stream events as one chunk of every table read). Each side's
/// rows wait in a <see cref="JoinBuffer"/> keyed by id; a chunk's rows of one side probe the other side's buffer, then join
/// their own, so every pair meets once; after each chunk both buffers evict by the watermark the engine would have (the
/// smallest of the tables' watermarks) and the same state-watermark arithmetic as Spark's join. The aggregations after the
/// join (q4, q9) keep a hash map per auction (and per window and category) emitted as the watermark passes. Returns the
/// number of result rows, as the engine's sink counts them in Append mode.
/// </summary>
internal static class JoinHandLoops
{
    public static bool Supports(string query) => query is "q3" or "q4" or "q8" or "q9";

    public static long Run(string query, IEnumerable<NexmarkChunk> chunks) => query switch
    {
        "q3" => Q3(chunks),
        "q8" => Q8(chunks),
        "q9" => WinningBids(chunks, perCategory: false),
        "q4" => WinningBids(chunks, perCategory: true),
        _ => throw new ArgumentException($"No hand loop for {query}."),
    };

    private static readonly Schema Q3Output = DataTypes.ParseSchema("name STRING, city STRING, state STRING, id BIGINT");
    private static readonly Schema Q8Output = DataTypes.ParseSchema("id BIGINT, name STRING, starttime TIMESTAMP");

    // q3: people of OR/ID/CA ⋈ auctions of category 10 on seller = id, |person.dateTime - auction.dateTime| ≤ range.
    private static long Q3(IEnumerable<NexmarkChunk> chunks)
    {
        const long range = NexmarkQueries.Q3RangeMicros;
        var persons = new JoinBuffer();
        var auctions = new JoinBuffer();
        var matches = new List<(StringArray[] Person, int Row, long Auction)>();
        long rows = 0, maxPerson = long.MinValue, maxAuction = long.MinValue;
        foreach (var chunk in chunks)
        {
            matches.Clear();
            var p = chunk.Persons!;
            var id = Int64(p, "id");
            var pt = Int64(p, "dateTime");
            var state = (StringArray)p.Column("state");
            var columns = new[] { (StringArray)p.Column("name"), (StringArray)p.Column("city"), state };
            var slot = persons.AddBatch(columns);
            for (var i = 0; i < id.Length; i++)
            {
                if (!InStates(state, i)) continue;
                for (var s = auctions.Head(id[i]); s >= 0; s = auctions.Next(s))
                    if (Math.Abs(pt[i] - auctions.Time(s)) <= range) matches.Add((columns, i, auctions.A(s)));
                persons.Add(id[i], pt[i], 0, 0, slot, i);
            }
            var a = chunk.Auctions!;
            var auction = Int64(a, "id");
            var at = Int64(a, "dateTime");
            var seller = Int64(a, "seller");
            var category = Int64(a, "category");
            for (var j = 0; j < auction.Length; j++)
            {
                if (category[j] != 10) continue;
                for (var s = persons.Head(seller[j]); s >= 0; s = persons.Next(s))
                    if (Math.Abs(persons.Time(s) - at[j]) <= range) matches.Add(((StringArray[])persons.Columns(s), persons.Row(s), auction[j]));
                auctions.Add(seller[j], at[j], auction[j], 0, -1, j);
            }
            rows += Q3Rows(matches);
            if (pt.Length > 0) maxPerson = pt[^1];
            if (at.Length > 0) maxAuction = at[^1];
            if (Watermark(maxPerson, maxAuction) is { } w)
            {
                // Spark's state watermarks: a future auction has dateTime > w, so it matches only people after w - range; and
                // the other way round.
                persons.EvictBelow(w - range + 1);
                auctions.EvictBelow(w - range + 1);
            }
        }
        return rows;
    }

    private static long Q3Rows(List<(StringArray[] Person, int Row, long Auction)> matches)
    {
        var name = new Utf8ColumnWriter(matches.Count, 12);
        var city = new Utf8ColumnWriter(matches.Count, 8);
        var state = new Utf8ColumnWriter(matches.Count, 2);
        var ids = new long[matches.Count];
        for (var k = 0; k < matches.Count; k++)
        {
            var (p, row, auction) = matches[k];
            name.Append(Utf8(p[0], row));
            city.Append(Utf8(p[1], row));
            state.Append(Utf8(p[2], row));
            ids[k] = auction;
        }
        return new RecordBatch(Q3Output, [name.Build(), city.Build(), state.Build(), Int64Array(ids)], matches.Count).Length;
    }

    // q8: people ⋈ auctions on id = seller and the same tumbling window of dateTime; a row waits until the watermark passes
    // its window's end (the window is a join key with the watermark in it, so that is Spark's state watermark).
    private static long Q8(IEnumerable<NexmarkChunk> chunks)
    {
        const long size = NexmarkQueries.Q8SizeMicros;
        var persons = new JoinBuffer();
        var auctions = new JoinBuffer();
        var matches = new List<(StringArray Name, int Row, long Id, long Start)>();
        long rows = 0, maxPerson = long.MinValue, maxAuction = long.MinValue;
        foreach (var chunk in chunks)
        {
            matches.Clear();
            var p = chunk.Persons!;
            var id = Int64(p, "id");
            var pt = Int64(p, "dateTime");
            var names = (StringArray)p.Column("name");
            var slot = persons.AddBatch(names);
            for (var i = 0; i < id.Length; i++)
            {
                var start = pt[i] - FloorMod(pt[i], size);
                for (var s = auctions.Head(id[i]); s >= 0; s = auctions.Next(s))
                    if (auctions.A(s) == start) matches.Add((names, i, id[i], start));
                persons.Add(id[i], start + size, start, 0, slot, i);
            }
            var a = chunk.Auctions!;
            var at = Int64(a, "dateTime");
            var seller = Int64(a, "seller");
            for (var j = 0; j < at.Length; j++)
            {
                var start = at[j] - FloorMod(at[j], size);
                for (var s = persons.Head(seller[j]); s >= 0; s = persons.Next(s))
                    if (persons.A(s) == start) matches.Add(((StringArray)persons.Columns(s), persons.Row(s), seller[j], start));
                auctions.Add(seller[j], start + size, start, 0, -1, j);
            }
            rows += Q8Rows(matches);
            if (pt.Length > 0) maxPerson = pt[^1];
            if (at.Length > 0) maxAuction = at[^1];
            if (Watermark(maxPerson, maxAuction) is { } w)
            {
                persons.EvictBelow(w + 1);
                auctions.EvictBelow(w + 1);
            }
        }
        return rows;
    }

    private static long Q8Rows(List<(StringArray Name, int Row, long Id, long Start)> matches)
    {
        var ids = new long[matches.Count];
        var name = new Utf8ColumnWriter(matches.Count, 12);
        var starts = new long[matches.Count];
        for (var k = 0; k < matches.Count; k++)
        {
            var (names, row, id, start) = matches[k];
            ids[k] = id;
            name.Append(Utf8(names, row));
            starts[k] = start;
        }
        return new RecordBatch(Q8Output, [Int64Array(ids), name.Build(), Timestamps(starts)], matches.Count).Length;
    }

    /// <summary>
    /// The watermark the aggregation after q4's and q9's join runs with (Spark 3.5's watermark propagation, as the engine):
    /// the join's output watermark, the lower of its sides' state watermarks. The auctions' is the bid watermark less the
    /// 2 s bound, less a millisecond for the non-strict comparison (b_time &lt;= a_time + 2 s); the bids' is the auction
    /// watermark less a millisecond (b_time &gt;= a_time). Both watermarks are the operator's input watermark.
    /// </summary>
    public static long AuctionJoinOutputWatermark(long watermark) => watermark - NexmarkQueries.AuctionBoundMicros - 1000;

    // q9 and q4: auctions ⋈ bids on id = auction, auction.dateTime ≤ bid.dateTime ≤ min(expires, dateTime + bound); then the
    // highest price per auction, final once the join's output watermark passes the auction's dateTime (its key); q4 then
    // averages the winning prices per category and tumbling window of auction dateTime, final once the same watermark
    // passes the window's end.
    private static long WinningBids(IEnumerable<NexmarkChunk> chunks, bool perCategory)
    {
        const long bound = NexmarkQueries.AuctionBoundMicros, size = NexmarkQueries.Q4SizeMicros;
        var auctions = new JoinBuffer();
        var bids = new JoinBuffer();
        var winners = new Dictionary<long, (long Time, long Category, long Price)>();
        var averages = new Dictionary<(long Start, long Category), (double Sum, long Count)>();
        var closed = new List<long>();
        long rows = 0, maxAuction = long.MinValue, maxBid = long.MinValue;

        void Match(long auction, long start, long category, long price)
        {
            ref var w = ref CollectionsMarshal.GetValueRefOrAddDefault(winners, auction, out var exists);
            if (!exists) w = (start, category, price);
            else if (price > w.Price) w.Price = price;
        }

        foreach (var chunk in chunks)
        {
            var a = chunk.Auctions!;
            var id = Int64(a, "id");
            var at = Int64(a, "dateTime");
            var expires = Int64(a, "expires");
            var category = perCategory ? Int64(a, "category") : default;
            for (var i = 0; i < id.Length; i++)
            {
                var c = perCategory ? category[i] : 0;
                var last = Math.Min(expires[i], at[i] + bound);
                for (var s = bids.Head(id[i]); s >= 0; s = bids.Next(s))
                    if (bids.Time(s) >= at[i] && bids.Time(s) <= last) Match(id[i], at[i], c, bids.A(s));
                auctions.Add(id[i], at[i], last, c, -1, i);
            }
            var b = chunk.Bids!;
            var auction = Int64(b, "auction");
            var price = Int64(b, "price");
            var bt = Int64(b, "dateTime");
            for (var j = 0; j < auction.Length; j++)
            {
                for (var s = auctions.Head(auction[j]); s >= 0; s = auctions.Next(s))
                    if (bt[j] >= auctions.Time(s) && bt[j] <= auctions.A(s)) Match(auction[j], auctions.Time(s), auctions.B(s), price[j]);
                bids.Add(auction[j], bt[j], price[j], 0, -1, j);
            }
            if (at.Length > 0) maxAuction = at[^1];
            if (bt.Length > 0) maxBid = bt[^1];
            if (Watermark(maxAuction, maxBid) is not { } watermark) continue;
            // A future bid has dateTime > w: it matches only auctions that started after w - bound; a future auction, only
            // bids after w.
            auctions.EvictBelow(watermark - bound + 1);
            bids.EvictBelow(watermark + 1);
            var output = AuctionJoinOutputWatermark(watermark);
            closed.Clear();
            foreach (var (key, w) in winners)
                if (w.Time <= output) closed.Add(key);
            foreach (var key in closed)
            {
                winners.Remove(key, out var w);
                if (!perCategory)
                {
                    rows++;
                    continue;
                }
                ref var avg = ref CollectionsMarshal.GetValueRefOrAddDefault(averages, (w.Time - FloorMod(w.Time, size), w.Category), out _);
                avg = (avg.Sum + w.Price, avg.Count + 1);
            }
            if (!perCategory) continue;
            foreach (var (key, _) in averages)
                if (key.Start + size <= output)
                {
                    averages.Remove(key);
                    rows++;
                }
        }
        return rows;
    }

    /// <summary>The watermark of two watermarked streams: the smaller (Spark's default "min" policy); none before both have rows.</summary>
    private static long? Watermark(long maxLeft, long maxRight) =>
        maxLeft == long.MinValue || maxRight == long.MinValue ? null : Math.Min(HandLoopBaseline.Watermark(maxLeft), HandLoopBaseline.Watermark(maxRight));

    private static bool InStates(StringArray state, int i)
    {
        var v = Utf8(state, i);
        return v.SequenceEqual("OR"u8) || v.SequenceEqual("ID"u8) || v.SequenceEqual("CA"u8);
    }

    private static ReadOnlySpan<byte> Utf8(StringArray array, int row)
    {
        var offsets = array.ValueOffsets;
        return array.Values[offsets[row]..offsets[row + 1]];
    }
}
