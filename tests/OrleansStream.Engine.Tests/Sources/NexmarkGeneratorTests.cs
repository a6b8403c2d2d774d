using Apache.Arrow;
using OrleansStream.Engine.Sources.Nexmark;

namespace OrleansStream.Engine.Tests.Sources;

public sealed class NexmarkGeneratorTests
{
    private readonly NexmarkGenerator _generator = new(NexmarkConfig.Default);

    [Fact]
    public void AnyRange_RegeneratesTheSameBids_SoPartitionsAndReplaysAgree()
    {
        var whole = _generator.Bids(1_000, 1_000);
        var parts = new[] { _generator.Bids(1_000, 400), _generator.Bids(1_400, 600) };
        var again = new NexmarkGenerator(NexmarkConfig.Default).Bids(1_000, 1_000);
        for (var c = 0; c < whole.ColumnCount; c++)
        {
            var name = whole.Schema.FieldsList[c].Name;
            Assert.Equal(Values(whole.Column(c)), Values(parts[0].Column(c)).Concat(Values(parts[1].Column(c))));
            Assert.Equal(Values(whole.Column(c)), Values(again.Column(c)));
            Assert.True(whole.Column(c).NullCount == 0, name);
        }
    }

    [Fact]
    public void AProjection_HasTheSameValuesAsTheWholeRow()
    {
        var whole = _generator.Bids(0, 500);
        var columns = NexmarkSchemas.BidColumns(["bidder", "dateTime", "extra"]);
        var some = _generator.Bids(0, 500, columns);
        Assert.Equal(["bidder", "dateTime", "extra"], some.Schema.FieldsList.Select(f => f.Name));
        foreach (var name in new[] { "bidder", "dateTime", "extra" })
            Assert.Equal(Values(whole.Column(name)), Values(some.Column(name)));
    }

    [Fact]
    public void PersonAndAuctionProjections_HaveTheSameValuesAsTheWholeRow()
    {
        // Each column alone and the columns the join queries read: a projection must draw every random number the whole row
        // draws, or the columns after a skipped one would change.
        foreach (var (table, whole, project) in new (Schema, RecordBatch, Func<Schema, RecordBatch>)[]
        {
            (NexmarkSchemas.Person, _generator.Persons(3, 400), s => _generator.Persons(3, 400, s)),
            (NexmarkSchemas.Auction, _generator.Auctions(7, 400), s => _generator.Auctions(7, 400, s)),
        })
        {
            var selections = table.FieldsList.Select(f => new[] { f.Name }).ToList();
            selections.Add(table.FieldsList.Select(f => f.Name).Where(n => n is "id" or "name" or "city" or "state" or "seller" or "category" or "dateTime").ToArray());
            foreach (var names in selections)
            {
                var some = project(new Schema([.. table.FieldsList.Where(f => names.Contains(f.Name))], null));
                Assert.Equal(names, some.Schema.FieldsList.Select(f => f.Name));
                foreach (var name in names) Assert.Equal(Values(whole.Column(name)), Values(some.Column(name)));
            }
        }
    }

    [Fact]
    public void Bids_FollowTheStandardParameters()
    {
        const int n = 46_000;
        var bids = _generator.Bids(0, n);
        var auction = ((Int64Array)bids.Column("auction")).Values;
        var price = ((Int64Array)bids.Column("price")).Values;
        var time = ((TimestampArray)bids.Column("dateTime")).Values;
        var channel = (StringArray)bids.Column("channel");
        var extra = (StringArray)bids.Column("extra");
        var hotChannels = 0;
        for (var k = 0; k < n; k++)
        {
            var e = NexmarkGenerator.BidEventNumber(k);
            Assert.Equal(NexmarkEventKind.Bid, NexmarkGenerator.KindOf(e));
            // 10,000 events per second: event e happens e·100 µs after the base time, however fast it is generated.
            Assert.Equal(NexmarkConfig.Default.BaseTimeMicros + e * 100, time[k]);
            Assert.InRange(price[k], 100, 100_000_000);
            // Bids go to one of the last 100 auctions created (plus the lead of 10).
            var lastAuction = NexmarkConfig.FirstAuctionId + NexmarkGenerator.LastBase0AuctionId(e);
            Assert.InRange(auction[k], lastAuction - NexmarkConfig.NumInFlightAuctions, lastAuction + NexmarkConfig.AuctionIdLead);
            if (!channel.GetString(k).StartsWith("channel-", StringComparison.Ordinal)) hotChannels++;
        }
        Assert.InRange(hotChannels / (double)n, 0.48, 0.52);
        // Each bid's extra pads its 32 bytes of numbers to about 100 (±20%).
        Assert.InRange((extra.ValueOffsets[^1] - extra.ValueOffsets[0]) / (double)n, 62, 74);
        // Prices are log-uniform over 6 decades: a sixth below $10 (10^(6U) < 10 when U < 1/6).
        Assert.InRange(price.ToArray().Count(p => p < 1_000) / (double)n, 0.15, 0.185);
    }

    [Fact]
    public void EventKinds_ComeInTheStandardProportions()
    {
        var kinds = Enumerable.Range(0, 5_000).GroupBy(i => NexmarkGenerator.KindOf(i)).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(100, kinds[NexmarkEventKind.Person]);
        Assert.Equal(300, kinds[NexmarkEventKind.Auction]);
        Assert.Equal(4_600, kinds[NexmarkEventKind.Bid]);
    }

    [Fact]
    public void ColumnsOutOfTheTablesOrder_AreRefused()
    {
        var columns = new Schema([NexmarkSchemas.Bid.GetFieldByName("price"), NexmarkSchemas.Bid.GetFieldByName("auction")], null);
        var error = Assert.Throws<ArgumentException>(() => _generator.Bids(0, 10, columns));
        Assert.Contains("auction", error.Message);
    }

    private static IEnumerable<object?> Values(IArrowArray array) => array switch
    {
        Int64Array a => a.Values.ToArray().Cast<object?>(),
        TimestampArray t => t.Values.ToArray().Cast<object?>(),
        StringArray s => Enumerable.Range(0, s.Length).Select(i => (object?)s.GetString(i)),
        _ => throw new NotSupportedException(array.Data.DataType.Name),
    };
}
