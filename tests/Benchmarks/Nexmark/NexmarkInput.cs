using Apache.Arrow;
using OrleansStream.Engine.Sources.Nexmark;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>
/// The rows a query reads: the first <see cref="StreamEvents"/> events of one Nexmark stream (one seed, one event-time rate),
/// of which it reads the rows of its tables (person, auction, bid: the nexmark source's option <c>table</c>). The prefix is
/// the shortest that holds exactly <see cref="Events"/> rows of those tables together, so "events" always counts what a
/// system processes: bids for the bid queries, persons and auctions for q3 and q8, auctions and bids for q4 and q9. Ids in
/// one table refer to rows of the others because all come from the same stream.
/// </summary>
public sealed class NexmarkInput
{
    /// <summary>The tables, as the nexmark source's option <c>table</c> names them.</summary>
    public const string Person = "person", Auction = "auction", Bid = "bid";

    /// <summary>The tables in stream order (each block of 50 events: 1 person, 3 auctions, 46 bids).</summary>
    public static IReadOnlyList<string> AllTables { get; } = [Person, Auction, Bid];

    /// <summary>The input of <paramref name="events"/> rows of <paramref name="tables"/> together.</summary>
    public NexmarkInput(IEnumerable<string> tables, long events)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(events);
        var read = tables.ToHashSet();
        Tables = AllTables.Where(read.Contains).ToList();
        if (Tables.Count != read.Count || Tables.Count == 0) throw new ArgumentException($"Tables must be among {string.Join(", ", AllTables)}.", nameof(tables));
        Events = events;
        // Rows grow by at most one per stream event: the smallest prefix with at least `events` rows has exactly that many.
        long lo = 1, hi = events * NexmarkConfig.TotalProportion;
        while (lo < hi)
        {
            var mid = lo + (hi - lo) / 2;
            if (RowsIn(mid) < events) lo = mid + 1; else hi = mid;
        }
        StreamEvents = lo;
    }

    /// <summary>The tables read, in stream order.</summary>
    public IReadOnlyList<string> Tables { get; }

    /// <summary>Rows of all tables read together.</summary>
    public long Events { get; }

    /// <summary>Length of the stream prefix (event numbers 0 .. StreamEvents - 1).</summary>
    public long StreamEvents { get; }

    /// <summary>Rows of <paramref name="table"/> in the prefix.</summary>
    public long Rows(string table) => RowsOf(table, StreamEvents);

    /// <summary>Rows of <paramref name="table"/> among the first <paramref name="streamEvents"/> events of the stream.</summary>
    public static long RowsOf(string table, long streamEvents)
    {
        var blocks = streamEvents / NexmarkConfig.TotalProportion;
        var rest = streamEvents % NexmarkConfig.TotalProportion;
        return table switch
        {
            Person => blocks * NexmarkConfig.PersonProportion + Math.Min(rest, NexmarkConfig.PersonProportion),
            Auction => blocks * NexmarkConfig.AuctionProportion + Math.Clamp(rest - NexmarkConfig.PersonProportion, 0, NexmarkConfig.AuctionProportion),
            Bid => blocks * NexmarkConfig.BidProportion + Math.Max(0, rest - NexmarkConfig.PersonProportion - NexmarkConfig.AuctionProportion),
            _ => throw new ArgumentException($"Unknown Nexmark table '{table}'.", nameof(table)),
        };
    }

    /// <summary>Rows of the tables read per block of 50 stream events.</summary>
    public int RowsPerBlock => Tables.Sum(PerBlock);

    /// <summary>Rows of <paramref name="table"/> in each block of 50 events.</summary>
    public static int PerBlock(string table) => table switch
    {
        Person => NexmarkConfig.PersonProportion,
        Auction => NexmarkConfig.AuctionProportion,
        Bid => NexmarkConfig.BidProportion,
        _ => throw new ArgumentException($"Unknown Nexmark table '{table}'.", nameof(table)),
    };

    /// <summary>The event number of row <paramref name="k"/> of <paramref name="table"/>.</summary>
    public static long EventNumber(string table, long k) => table switch
    {
        Person => NexmarkGenerator.PersonEventNumber(k),
        Auction => NexmarkGenerator.AuctionEventNumber(k),
        Bid => NexmarkGenerator.BidEventNumber(k),
        _ => throw new ArgumentException($"Unknown Nexmark table '{table}'.", nameof(table)),
    };

    /// <summary>
    /// Rows per epoch of each table's source when an epoch should take about <paramref name="rowsPerBatch"/> rows of all
    /// tables together: whole blocks of 50 events, so that at every epoch boundary each source has read up to the same event
    /// number, and the sides of a join (and their watermarks) advance together in event time.
    /// </summary>
    public IReadOnlyDictionary<string, long> RowsPerEpoch(long rowsPerBatch)
    {
        var blocks = Math.Max(1, (rowsPerBatch + RowsPerBlock - 1) / RowsPerBlock);
        return Tables.ToDictionary(t => t, t => blocks * PerBlock(t));
    }

    /// <summary>Event time of the last row of <paramref name="table"/> read (µs).</summary>
    public long LastTimeMicros(NexmarkConfig config, string table) => config.EventTimeMicros(EventNumber(table, Rows(table) - 1));

    /// <summary>The engine's watermark once every row is read: the smallest over the tables read (Spark's default policy for
    /// several watermarks, min), each the table's largest event time in whole milliseconds minus the delay.</summary>
    public long FinalWatermark(NexmarkConfig config) => Tables.Min(t => HandLoopBaseline.Watermark(LastTimeMicros(config, t)));

    /// <summary>
    /// The rows read, generated chunk by chunk as they are consumed: each chunk holds the rows of every table read among the
    /// same range of stream events (whole blocks of 50), about <paramref name="rowsPerChunk"/> rows together, with only the
    /// <paramref name="columns"/> of each table (the bid generator skips the others; persons and auctions are generated whole
    /// and projected, as the engine's source does).
    /// </summary>
    public IEnumerable<NexmarkChunk> Chunks(NexmarkGenerator generator, IReadOnlyDictionary<string, IReadOnlyList<string>> columns, int rowsPerChunk = 65_536)
    {
        ArgumentNullException.ThrowIfNull(generator);
        var schemas = Tables.ToDictionary(t => t, t => Projection(t, columns.TryGetValue(t, out var c) ? c : null));
        var eventsPerChunk = Math.Max(1, (rowsPerChunk + RowsPerBlock - 1) / RowsPerBlock) * (long)NexmarkConfig.TotalProportion;
        for (long first = 0; first < StreamEvents; first += eventsPerChunk)
        {
            var end = Math.Min(StreamEvents, first + eventsPerChunk);
            RecordBatch? Table(string table)
            {
                if (!schemas.TryGetValue(table, out var schema)) return null;
                var from = RowsOf(table, first);
                var count = (int)(RowsOf(table, end) - from);
                return Generate(generator, table, from, count, schema);
            }
            yield return new NexmarkChunk(Table(Person), Table(Auction), Table(Bid));
        }
    }

    /// <summary>Rows <paramref name="first"/> .. + <paramref name="count"/> - 1 of <paramref name="table"/>, only <paramref name="columns"/>.</summary>
    public static RecordBatch Generate(NexmarkGenerator generator, string table, long first, int count, Schema columns)
    {
        ArgumentNullException.ThrowIfNull(generator);
        return table switch
        {
            Bid => generator.Bids(first, count, columns),
            Person => generator.Persons(first, count, columns),
            Auction => generator.Auctions(first, count, columns),
            _ => throw new ArgumentException($"Unknown Nexmark table '{table}'.", nameof(table)),
        };
    }

    /// <summary>The fields of <paramref name="table"/> named in <paramref name="columns"/> (all when null), in the table's order.</summary>
    public static Schema Projection(string table, IReadOnlyCollection<string>? columns)
    {
        var schema = NexmarkSchemas.Of(table);
        return columns is null ? schema : new Schema([.. schema.FieldsList.Where(f => columns.Contains(f.Name))], null);
    }

    private long RowsIn(long streamEvents) => Tables.Sum(t => RowsOf(t, streamEvents));
}
