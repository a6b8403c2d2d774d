using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Sources.Nexmark;

/// <summary>
/// The Nexmark event generator (NEXMARK.md), column-wise into Arrow batches. Event n's kind comes from n % 50 (1 person,
/// 3 auctions, 46 bids); its fields from a random stream seeded by (seed, n) and its time from n and the event-time rate,
/// so any offset range of any table can be regenerated, in any order, in any process. Ids, hot keys, prices and sizes
/// follow the standard generator (Beam/Flink) so that numbers compare with other systems'.
/// </summary>
public sealed class NexmarkGenerator
{
    private static readonly string[] HotChannels = ["Google", "Facebook", "Baidu", "Apple"];
    private static readonly string[] FirstNames = ["Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"];
    private static readonly string[] LastNames = ["Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"];
    private static readonly string[] Cities = ["Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"];
    private static readonly string[] States = ["AZ", "CA", "ID", "OR", "WA", "WY"];
    private const int TextPoolSize = 1 << 16;

    private readonly byte[][] _hotChannels;
    private readonly byte[][] _hotUrls;
    private readonly byte[][] _channels;
    private readonly byte[][] _channelUrls;
    private readonly byte[][] _firstNames, _lastNames, _cities, _states;
    // Random text is cut from one pool of random letters: a slice costs a copy, not a random draw per character.
    private readonly byte[] _text;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<NexmarkConfig, NexmarkGenerator> Shared = new();

    /// <summary>The generator of <paramref name="config"/>, built once per process: building one draws a 64 KB text pool and
    /// 10,000 channel urls, and a source task's connector lives for one epoch. A generator is immutable, so one serves every
    /// thread.</summary>
    public static NexmarkGenerator For(NexmarkConfig config) => Shared.GetOrAdd(config ?? throw new ArgumentNullException(nameof(config)), c => new NexmarkGenerator(c));

    /// <summary>A generator for <paramref name="config"/>.</summary>
    public NexmarkGenerator(NexmarkConfig config)
    {
        Config = config ?? throw new ArgumentNullException(nameof(config));
        var rnd = new EventRandom(config.Seed, -1);
        _text = new byte[TextPoolSize];
        for (var i = 0; i < _text.Length; i++) _text[i] = (byte)('a' + rnd.NextInt(26));
        _hotChannels = HotChannels.Select(Encoding.UTF8.GetBytes).ToArray();
        _hotUrls = HotChannels.Select((_, i) => Encoding.UTF8.GetBytes(BaseUrl(new EventRandom(config.Seed, -2 - i)))).ToArray();
        _channels = new byte[NexmarkConfig.NumChannels][];
        _channelUrls = new byte[NexmarkConfig.NumChannels][];
        for (var c = 0; c < NexmarkConfig.NumChannels; c++)
        {
            var r = new EventRandom(config.Seed, -100 - c);
            _channels[c] = Encoding.UTF8.GetBytes("channel-" + c.ToString(CultureInfo.InvariantCulture));
            var url = BaseUrl(r);
            // As the standard generator: 9 in 10 channel urls carry the channel id (bit-reversed).
            if (r.NextInt(10) > 0) url += "&channel_id=" + Math.Abs((long)ReverseBits(c)).ToString(CultureInfo.InvariantCulture);
            _channelUrls[c] = Encoding.UTF8.GetBytes(url);
        }
        _firstNames = FirstNames.Select(Encoding.UTF8.GetBytes).ToArray();
        _lastNames = LastNames.Select(Encoding.UTF8.GetBytes).ToArray();
        _cities = Cities.Select(Encoding.UTF8.GetBytes).ToArray();
        _states = States.Select(Encoding.UTF8.GetBytes).ToArray();
    }

    /// <summary>The parameters.</summary>
    public NexmarkConfig Config { get; }

    /// <summary>What event <paramref name="n"/> is.</summary>
    public static NexmarkEventKind KindOf(long n) => (n % NexmarkConfig.TotalProportion) switch
    {
        < NexmarkConfig.PersonProportion => NexmarkEventKind.Person,
        < NexmarkConfig.PersonProportion + NexmarkConfig.AuctionProportion => NexmarkEventKind.Auction,
        _ => NexmarkEventKind.Bid,
    };

    /// <summary>The event number of the <paramref name="k"/>-th bid (bids are 46 of every 50 events).</summary>
    public static long BidEventNumber(long k) =>
        k / NexmarkConfig.BidProportion * NexmarkConfig.TotalProportion + NexmarkConfig.PersonProportion + NexmarkConfig.AuctionProportion + k % NexmarkConfig.BidProportion;

    /// <summary>The event number of the <paramref name="k"/>-th person.</summary>
    public static long PersonEventNumber(long k) => k * NexmarkConfig.TotalProportion;

    /// <summary>The event number of the <paramref name="k"/>-th auction.</summary>
    public static long AuctionEventNumber(long k) =>
        k / NexmarkConfig.AuctionProportion * NexmarkConfig.TotalProportion + NexmarkConfig.PersonProportion + k % NexmarkConfig.AuctionProportion;

    /// <summary>Bids <paramref name="firstBid"/> .. <paramref name="firstBid"/> + <paramref name="count"/> - 1 (bid offsets, not event numbers), every column.</summary>
    public RecordBatch Bids(long firstBid, int count) => Bids(firstBid, count, NexmarkSchemas.Bid);

    /// <summary>
    /// Bids <paramref name="firstBid"/> .. + <paramref name="count"/> - 1 with only the fields of <paramref name="columns"/>
    /// (fields of <see cref="NexmarkSchemas.Bid"/>, in its order). Every event draws the same random numbers whatever is
    /// asked for, so a column has the same values in every projection; only the copying of unwanted columns is skipped.
    /// With <paramref name="pool"/>, the columns live in arrays rented from it and the batch's <see cref="BatchBuffers"/>
    /// owner returns them on <see cref="BatchBuffers.Release(RecordBatch)"/>.
    /// </summary>
    public RecordBatch Bids(long firstBid, int count, Schema columns, ArrowBufferPool? pool = null)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var want = BidColumns(columns);
        var buffers = pool is null ? null : new BatchBuffers(pool);
        var auctionColumn = want[0] ? Column(count, buffers) : null;
        var auction = Longs(auctionColumn, count);
        var bidderColumn = want[1] ? Column(count, buffers) : null;
        var bidder = Longs(bidderColumn, count);
        var priceColumn = want[2] ? Column(count, buffers) : null;
        var price = Longs(priceColumn, count);
        var channel = want[3] ? new StringColumnWriter(count, count * 8, buffers) : null;
        var url = want[4] ? new StringColumnWriter(count, count * 80, buffers) : null;
        var timeColumn = want[5] ? Column(count, buffers) : null;
        var time = Longs(timeColumn, count);
        var extra = want[6] ? new StringColumnWriter(count, count * (NexmarkConfig.AvgBidBytes - 32), buffers) : null;
        for (var i = 0; i < count; i++)
        {
            var n = BidEventNumber(firstBid + i);
            var rnd = new EventRandom(Config.Seed, n);
            var a = NexmarkConfig.FirstAuctionId + (rnd.NextInt(NexmarkConfig.HotAuctionRatio) > 0
                ? LastBase0AuctionId(n) / NexmarkConfig.HotKeyBuckets * NexmarkConfig.HotKeyBuckets
                : NextBase0AuctionId(n, ref rnd));
            // Hot bidders are the second person of a block, so that they do not collide with hot sellers.
            var b = NexmarkConfig.FirstPersonId + (rnd.NextInt(NexmarkConfig.HotBiddersRatio) > 0
                ? LastBase0PersonId(n) / NexmarkConfig.HotKeyBuckets * NexmarkConfig.HotKeyBuckets + 1
                : NextBase0PersonId(n, ref rnd));
            var p = NextPrice(ref rnd);
            if (auctionColumn is not null) auction[i] = a;
            if (bidderColumn is not null) bidder[i] = b;
            if (priceColumn is not null) price[i] = p;
            if (rnd.NextInt(NexmarkConfig.HotChannelsRatio) > 0)
            {
                var h = rnd.NextInt(_hotChannels.Length);
                channel?.Append(_hotChannels[h]);
                url?.Append(_hotUrls[h]);
            }
            else
            {
                var c = rnd.NextInt(NexmarkConfig.NumChannels);
                channel?.Append(_channels[c]);
                url?.Append(_channelUrls[c]);
            }
            if (timeColumn is not null) time[i] = Config.EventTimeMicros(n);
            // The padding is the event's last draw: skipping it when unwanted changes no other column.
            extra?.Append(NextExtra(ref rnd, 8 * 4, NexmarkConfig.AvgBidBytes));
        }
        var arrays = new List<IArrowArray>(columns.FieldsList.Count);
        if (auctionColumn is not null) arrays.Add(Int64(auctionColumn, count));
        if (bidderColumn is not null) arrays.Add(Int64(bidderColumn, count));
        if (priceColumn is not null) arrays.Add(Int64(priceColumn, count));
        if (channel is not null) arrays.Add(channel.Build());
        if (url is not null) arrays.Add(url.Build());
        if (timeColumn is not null) arrays.Add(Timestamps(timeColumn, count));
        if (extra is not null) arrays.Add(extra.Build());
        return Owned(new RecordBatch(columns, arrays, count), buffers);
    }

    private static bool[] BidColumns(Schema columns) => Wanted(NexmarkSchemas.Bid, NexmarkSchemas.BidDdl, "bid", columns);

    // Which of the table's columns are asked for; they must be the table's, in its order.
    private static bool[] Wanted(Schema table, string ddl, string name, Schema columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var want = new bool[table.FieldsList.Count];
        var previous = -1;
        foreach (var field in columns.FieldsList)
        {
            var index = table.GetFieldIndex(field.Name);
            if (index <= previous)
                throw new ArgumentException($"Column '{field.Name}' is not a {name} column after column {previous} ({name} columns: {ddl}).", nameof(columns));
            want[index] = true;
            previous = index;
        }
        return want;
    }

    /// <summary>People <paramref name="firstPerson"/> .. + <paramref name="count"/> - 1, every column.</summary>
    public RecordBatch Persons(long firstPerson, int count) => Persons(firstPerson, count, NexmarkSchemas.Person);

    /// <summary>
    /// People <paramref name="firstPerson"/> .. + <paramref name="count"/> - 1 with only the fields of <paramref name="columns"/>
    /// (fields of <see cref="NexmarkSchemas.Person"/>, in its order). As for bids, every event draws the same random numbers
    /// whatever is asked for; only the text of unwanted columns is not copied.
    /// </summary>
    public RecordBatch Persons(long firstPerson, int count, Schema columns, ArrowBufferPool? pool = null)
    {
        var want = Wanted(NexmarkSchemas.Person, NexmarkSchemas.PersonDdl, "person", columns);
        var buffers = pool is null ? null : new BatchBuffers(pool);
        var idColumn = want[0] ? Column(count, buffers) : null;
        var id = Longs(idColumn, count);
        var name = want[1] ? new StringColumnWriter(count, count * 12, buffers) : null;
        var email = want[2] ? new StringColumnWriter(count, count * 17, buffers) : null;
        var card = want[3] ? new StringColumnWriter(count, count * 19, buffers) : null;
        var city = want[4] ? new StringColumnWriter(count, count * 8, buffers) : null;
        var state = want[5] ? new StringColumnWriter(count, count * 2, buffers) : null;
        var timeColumn = want[6] ? Column(count, buffers) : null;
        var time = Longs(timeColumn, count);
        var extra = want[7] ? new StringColumnWriter(count, count * 140, buffers) : null;
        Span<byte> digits = stackalloc byte[19];
        for (var i = 0; i < count; i++)
        {
            var n = PersonEventNumber(firstPerson + i);
            var rnd = new EventRandom(Config.Seed, n);
            if (idColumn is not null) id[i] = NexmarkConfig.FirstPersonId + LastBase0PersonId(n);
            var first = _firstNames[rnd.NextInt(_firstNames.Length)];
            var last = _lastNames[rnd.NextInt(_lastNames.Length)];
            name?.Append([.. first, (byte)' ', .. last]);
            // Drawn whether wanted or not, so that the later columns do not depend on the projection.
            var user = Text(ref rnd, 7);
            var domain = Text(ref rnd, 5);
            email?.Append([.. user, (byte)'@', .. domain, (byte)'.', (byte)'c', (byte)'o', (byte)'m']);
            for (var d = 0; d < digits.Length; d++) digits[d] = d % 5 == 4 ? (byte)' ' : (byte)('0' + rnd.NextInt(10));
            card?.Append(digits);
            var c = _cities[rnd.NextInt(_cities.Length)];
            var s = _states[rnd.NextInt(_states.Length)];
            city?.Append(c);
            state?.Append(s);
            if (timeColumn is not null) time[i] = Config.EventTimeMicros(n);
            // The padding is the event's last draw: skipping it when unwanted changes no other column.
            if (extra is not null)
            {
                var size = 8 + first.Length + 1 + last.Length + 17 + digits.Length + c.Length + s.Length;
                extra.Append(NextExtra(ref rnd, size, NexmarkConfig.AvgPersonBytes));
            }
        }
        var arrays = new List<IArrowArray>(columns.FieldsList.Count);
        if (idColumn is not null) arrays.Add(Int64(idColumn, count));
        if (name is not null) arrays.Add(name.Build());
        if (email is not null) arrays.Add(email.Build());
        if (card is not null) arrays.Add(card.Build());
        if (city is not null) arrays.Add(city.Build());
        if (state is not null) arrays.Add(state.Build());
        if (timeColumn is not null) arrays.Add(Timestamps(timeColumn, count));
        if (extra is not null) arrays.Add(extra.Build());
        return Owned(new RecordBatch(columns, arrays, count), buffers);
    }

    /// <summary>Auctions <paramref name="firstAuction"/> .. + <paramref name="count"/> - 1, every column.</summary>
    public RecordBatch Auctions(long firstAuction, int count) => Auctions(firstAuction, count, NexmarkSchemas.Auction);

    /// <summary>
    /// Auctions <paramref name="firstAuction"/> .. + <paramref name="count"/> - 1 with only the fields of
    /// <paramref name="columns"/> (fields of <see cref="NexmarkSchemas.Auction"/>, in its order), drawing as
    /// <see cref="Persons(long, int, Schema, ArrowBufferPool)"/> does.
    /// </summary>
    public RecordBatch Auctions(long firstAuction, int count, Schema columns, ArrowBufferPool? pool = null)
    {
        var want = Wanted(NexmarkSchemas.Auction, NexmarkSchemas.AuctionDdl, "auction", columns);
        var buffers = pool is null ? null : new BatchBuffers(pool);
        var idColumn = want[0] ? Column(count, buffers) : null;
        var id = Longs(idColumn, count);
        var item = want[1] ? new StringColumnWriter(count, count * 20, buffers) : null;
        var description = want[2] ? new StringColumnWriter(count, count * 100, buffers) : null;
        var initialColumn = want[3] ? Column(count, buffers) : null;
        var initial = Longs(initialColumn, count);
        var reserveColumn = want[4] ? Column(count, buffers) : null;
        var reserve = Longs(reserveColumn, count);
        var timeColumn = want[5] ? Column(count, buffers) : null;
        var time = Longs(timeColumn, count);
        var expiresColumn = want[6] ? Column(count, buffers) : null;
        var expires = Longs(expiresColumn, count);
        var sellerColumn = want[7] ? Column(count, buffers) : null;
        var seller = Longs(sellerColumn, count);
        var categoryColumn = want[8] ? Column(count, buffers) : null;
        var category = Longs(categoryColumn, count);
        var extra = want[9] ? new StringColumnWriter(count, count * 340, buffers) : null;
        for (var i = 0; i < count; i++)
        {
            var n = AuctionEventNumber(firstAuction + i);
            var rnd = new EventRandom(Config.Seed, n);
            if (idColumn is not null) id[i] = NexmarkConfig.FirstAuctionId + LastBase0AuctionId(n);
            // Drawn whether wanted or not, so that the later columns do not depend on the projection.
            var itemText = Text(ref rnd, 20);
            var descriptionText = Text(ref rnd, 100);
            item?.Append(itemText);
            description?.Append(descriptionText);
            var initialPrice = NextPrice(ref rnd);
            var reservePrice = initialPrice + NextPrice(ref rnd);
            if (initialColumn is not null) initial[i] = initialPrice;
            if (reserveColumn is not null) reserve[i] = reservePrice;
            var t = Config.EventTimeMicros(n);
            if (timeColumn is not null) time[i] = t;
            // As the standard generator: auctions last on average until about NumInFlightAuctions more have been created.
            var horizon = Config.EventTimeMicros(n + (long)NexmarkConfig.NumInFlightAuctions * NexmarkConfig.TotalProportion / NexmarkConfig.AuctionProportion) - t;
            var expiresAt = t + 1 + rnd.NextLong(Math.Max(horizon * 2, 1));
            if (expiresColumn is not null) expires[i] = expiresAt;
            var sellerId = NexmarkConfig.FirstPersonId + (rnd.NextInt(NexmarkConfig.HotSellersRatio) > 0
                ? LastBase0PersonId(n) / NexmarkConfig.HotKeyBuckets * NexmarkConfig.HotKeyBuckets
                : NextBase0PersonId(n, ref rnd));
            if (sellerColumn is not null) seller[i] = sellerId;
            var categoryId = NexmarkConfig.FirstCategoryId + rnd.NextInt(NexmarkConfig.NumCategories);
            if (categoryColumn is not null) category[i] = categoryId;
            // The padding is the event's last draw.
            extra?.Append(NextExtra(ref rnd, 8 + 20 + 100 + 8 * 5, NexmarkConfig.AvgAuctionBytes));
        }
        var arrays = new List<IArrowArray>(columns.FieldsList.Count);
        if (idColumn is not null) arrays.Add(Int64(idColumn, count));
        if (item is not null) arrays.Add(item.Build());
        if (description is not null) arrays.Add(description.Build());
        if (initialColumn is not null) arrays.Add(Int64(initialColumn, count));
        if (reserveColumn is not null) arrays.Add(Int64(reserveColumn, count));
        if (timeColumn is not null) arrays.Add(Timestamps(timeColumn, count));
        if (expiresColumn is not null) arrays.Add(Timestamps(expiresColumn, count));
        if (sellerColumn is not null) arrays.Add(Int64(sellerColumn, count));
        if (categoryColumn is not null) arrays.Add(Int64(categoryColumn, count));
        if (extra is not null) arrays.Add(extra.Build());
        return Owned(new RecordBatch(columns, arrays, count), buffers);
    }

    // The id arithmetic of the standard generator: which person/auction was created last before event n.
    internal static long LastBase0PersonId(long n) => n / NexmarkConfig.TotalProportion;

    internal static long LastBase0AuctionId(long n)
    {
        var epoch = n / NexmarkConfig.TotalProportion;
        var offset = n % NexmarkConfig.TotalProportion;
        if (offset < NexmarkConfig.PersonProportion)
        {
            epoch--;
            offset = NexmarkConfig.AuctionProportion - 1;
        }
        else if (offset >= NexmarkConfig.PersonProportion + NexmarkConfig.AuctionProportion) offset = NexmarkConfig.AuctionProportion - 1;
        else offset -= NexmarkConfig.PersonProportion;
        return epoch * NexmarkConfig.AuctionProportion + offset;
    }

    private static long NextBase0AuctionId(long n, ref EventRandom rnd)
    {
        var max = LastBase0AuctionId(n);
        var min = Math.Max(max - NexmarkConfig.NumInFlightAuctions, 0);
        return min + rnd.NextLong(max - min + 1 + NexmarkConfig.AuctionIdLead);
    }

    private static long NextBase0PersonId(long n, ref EventRandom rnd)
    {
        var numPeople = LastBase0PersonId(n) + 1;
        var active = Math.Min(numPeople, NexmarkConfig.NumActivePeople);
        return numPeople - active + rnd.NextLong(active + NexmarkConfig.PersonIdLead);
    }

    /// <summary>round(10^(U·6) · 100) cents: log-uniform between 1 and 1,000,000 dollars.</summary>
    private static long NextPrice(ref EventRandom rnd) => (long)Math.Round(Math.Pow(10.0, rnd.NextDouble() * 6.0) * 100.0);

    /// <summary>Padding that brings an event of <paramref name="currentSize"/> bytes to <paramref name="average"/> on average (±20%).</summary>
    private ReadOnlySpan<byte> NextExtra(ref EventRandom rnd, int currentSize, int average)
    {
        if (currentSize > average) return [];
        var desired = average - currentSize;
        var delta = (int)Math.Round(desired * 0.2);
        return Text(ref rnd, desired - delta + (delta == 0 ? 0 : rnd.NextInt(2 * delta)));
    }

    private ReadOnlySpan<byte> Text(ref EventRandom rnd, int length) => _text.AsSpan(rnd.NextInt(TextPoolSize - length), length);

    private static string BaseUrl(EventRandom rnd)
    {
        string Part(ref EventRandom r) => string.Create(5, r.NextULong(), (span, bits) =>
        {
            for (var i = 0; i < span.Length; i++, bits /= 26) span[i] = (char)('a' + (int)(bits % 26));
        });
        return $"https://www.nexmark.com/{Part(ref rnd)}/{Part(ref rnd)}/{Part(ref rnd)}/item.htm?query=1";
    }

    private static int ReverseBits(int v)
    {
        var u = (uint)v;
        var r = 0u;
        for (var i = 0; i < 32; i++, u >>= 1) r = (r << 1) | (u & 1);
        return (int)r;
    }

    // A fixed-width column's bytes: a plain array, or one the batch's owner rents from its pool.
    private static byte[] Column(int count, BatchBuffers? buffers) => buffers is null ? new byte[count * sizeof(long)] : buffers.Rent(count * sizeof(long));

    private static Span<long> Longs(byte[]? column, int count) =>
        column is null ? default : MemoryMarshal.Cast<byte, long>(column.AsSpan(0, count * sizeof(long)));

    private static RecordBatch Owned(RecordBatch batch, BatchBuffers? buffers) => buffers is null ? batch : buffers.Own(batch);

    // The bytes are handed to Arrow as they are (no copy): Arrow buffers wrap memory, and these arrays are never written again.
    private static Int64Array Int64(byte[] values, int count) => new(new ArrowBuffer(values.AsMemory(0, count * sizeof(long))), ArrowBuffer.Empty, count, 0, 0);

    private static TimestampArray Timestamps(byte[] micros, int count) =>
        new(DataTypes.Timestamp, new ArrowBuffer(micros.AsMemory(0, count * sizeof(long))), ArrowBuffer.Empty, count, 0, 0);
}
