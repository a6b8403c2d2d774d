namespace OrleansStream.Engine.Sources.Nexmark;

/// <summary>
/// The generator's parameters. The constants are the standard Nexmark defaults (Beam/Flink's GeneratorConfig), so numbers
/// produced with them can be set beside other systems'; only the seed, the event-time rate and the base time vary.
/// </summary>
/// <param name="Seed">Seeds every event's random stream.</param>
/// <param name="EventsPerSecond">The event-time rate over all event kinds: event n happens at base + n / rate seconds,
/// however fast anyone reads the stream.</param>
/// <param name="BaseTimeMicros">Event time of event 0, microseconds since the Unix epoch.</param>
public sealed record NexmarkConfig(long Seed = 42, long EventsPerSecond = 10_000, long BaseTimeMicros = 1_735_689_600_000_000)
{
    /// <summary>Person, auction and bid shares of every 50 events.</summary>
    public const int PersonProportion = 1, AuctionProportion = 3, BidProportion = 46, TotalProportion = 50;
    /// <summary>First ids, as the standard generator.</summary>
    public const long FirstPersonId = 1000, FirstAuctionId = 1000, FirstCategoryId = 10;
    /// <summary>Categories 10..14.</summary>
    public const int NumCategories = 5;
    /// <summary>Bids and auctions refer to the most recent this many people.</summary>
    public const int NumActivePeople = 1000;
    /// <summary>Bids refer to the most recent this many auctions.</summary>
    public const int NumInFlightAuctions = 100;
    /// <summary>Ids chosen slightly ahead of the last one generated (the standard "lead").</summary>
    public const int PersonIdLead = 10, AuctionIdLead = 10;
    /// <summary>1 - 1/ratio of bids go to a hot auction / come from a hot bidder; of auctions, from a hot seller.</summary>
    public const int HotAuctionRatio = 2, HotBiddersRatio = 4, HotSellersRatio = 4;
    /// <summary>Hot keys are the first of each block of this many ids.</summary>
    public const int HotKeyBuckets = 100;
    /// <summary>Half of the bids come from the hot channels.</summary>
    public const int HotChannelsRatio = 2;
    /// <summary>The other channels.</summary>
    public const int NumChannels = 10_000;
    /// <summary>Average sizes the extra column pads to, counted as the standard generator counts them (fixed-width fields and
    /// the person/auction text fields; a bid's channel and url are not counted).</summary>
    public const int AvgPersonBytes = 200, AvgAuctionBytes = 500, AvgBidBytes = 100;

    /// <summary>Seed 42, 10,000 events per second, starting 2025-01-01T00:00:00Z.</summary>
    public static NexmarkConfig Default { get; } = new();

    /// <summary>Event time of event <paramref name="n"/> in microseconds: exact integer arithmetic, no drift over long runs.</summary>
    public long EventTimeMicros(long n) => BaseTimeMicros + (long)((Int128)n * 1_000_000 / EventsPerSecond);
}
