namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>A bid as a .NET object: the input of the Rx.NET baseline (what a .NET developer's event type looks like).</summary>
public sealed record Bid(long Auction, long Bidder, long Price, string Channel, string Url, DateTime DateTime, string Extra)
{
    /// <summary>The bids of Arrow batches as objects.</summary>
    public static List<Bid> FromBatches(IReadOnlyList<Apache.Arrow.RecordBatch> batches)
    {
        var bids = new List<Bid>(batches.Sum(b => b.Length));
        foreach (var batch in batches)
        {
            var auction = ((Apache.Arrow.Int64Array)batch.Column(0)).Values;
            var bidder = ((Apache.Arrow.Int64Array)batch.Column(1)).Values;
            var price = ((Apache.Arrow.Int64Array)batch.Column(2)).Values;
            var channel = (Apache.Arrow.StringArray)batch.Column(3);
            var url = (Apache.Arrow.StringArray)batch.Column(4);
            var time = ((Apache.Arrow.TimestampArray)batch.Column(5)).Values;
            var extra = (Apache.Arrow.StringArray)batch.Column(6);
            for (var i = 0; i < batch.Length; i++)
                bids.Add(new Bid(auction[i], bidder[i], price[i], channel.GetString(i), url.GetString(i),
                    DateTime.UnixEpoch.AddTicks(time[i] * 10), extra.GetString(i)));
        }
        return bids;
    }

    /// <summary>Event time in microseconds since the Unix epoch.</summary>
    public long TimeMicros => (DateTime.Ticks - DateTime.UnixEpoch.Ticks) / 10;
}
