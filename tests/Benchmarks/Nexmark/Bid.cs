using Apache.Arrow;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>A bid as a .NET object: the input of the Rx.NET baseline (what a .NET developer's event type looks like).</summary>
public sealed record Bid(long Auction, long Bidder, long Price, string Channel, string Url, DateTime DateTime, string Extra)
{
    /// <summary>The bids of Arrow batches as objects, one batch at a time; columns a batch lacks keep their default (0, null).</summary>
    public static IEnumerable<Bid> FromBatches(IEnumerable<RecordBatch> batches)
    {
        foreach (var batch in batches)
        {
            var auction = Longs(batch, "auction");
            var bidder = Longs(batch, "bidder");
            var price = Longs(batch, "price");
            var time = Longs(batch, "dateTime");
            var channel = Column(batch, "channel") as StringArray;
            var url = Column(batch, "url") as StringArray;
            var extra = Column(batch, "extra") as StringArray;
            for (var i = 0; i < batch.Length; i++)
                yield return new Bid(auction?[i] ?? 0, bidder?[i] ?? 0, price?[i] ?? 0, channel?.GetString(i)!, url?.GetString(i)!,
                    DateTime.UnixEpoch.AddTicks((time?[i] ?? 0) * 10), extra?.GetString(i)!);
        }
    }

    private static IArrowArray? Column(RecordBatch batch, string name) => batch.Schema.GetFieldIndex(name) is >= 0 and var i ? batch.Column(i) : null;

    private static long[]? Longs(RecordBatch batch, string column) => Column(batch, column) switch
    {
        Int64Array a => a.Values.ToArray(),
        TimestampArray t => t.Values.ToArray(),
        _ => null,
    };

    /// <summary>Event time in microseconds since the Unix epoch.</summary>
    public long TimeMicros => (DateTime.Ticks - DateTime.UnixEpoch.Ticks) / 10;
}
