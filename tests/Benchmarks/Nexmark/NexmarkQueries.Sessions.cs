using OrleansStream.Client;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>
/// Sessions kept by a <see cref="BidderSessionProcessor"/> in transformWithState, each next to the built-in SessionWindow
/// count it equals: q11-tws against q11 (per bidder), and sessions-1m-tws against sessions-1m, the same over count-1m's
/// 1M-value key (Nexmark's bidders are the recent people, a few thousand at a million bids; this key gives as many keys as
/// the event-time rate and the gap keep open).
/// </summary>
public static partial class NexmarkQueries
{
    private static NexmarkQuery Q11TransformWithState() =>
        NexmarkQuery.OverBids("q11-tws", "q11 by transformWithState: per bidder a value state and an event-time timer", OutputMode.Append, OutputMode.Append,
            bids => Sessions(bids.WithWatermark("dateTime", Delay).Select(Col("bidder").As("key"), Col("dateTime"))), true, ["bidder", "dateTime"]);

    private static NexmarkQuery SessionsOverMillionKeys() =>
        NexmarkQuery.OverBids("sessions-1m", "bids per session of count-1m's key, 10 s gap (SessionWindow)", OutputMode.Append, OutputMode.Append,
            bids => bids.WithWatermark("dateTime", Delay).Select(Expr(KeySql).As("key"), Col("dateTime"))
                .GroupBy(Col("key"), SessionWindow(Col("dateTime"), "10 seconds"))
                .Agg(Count().As("bid_count")), true, ["auction", "bidder", "price", "dateTime"]);

    private static NexmarkQuery SessionsOverMillionKeysTransformWithState() =>
        NexmarkQuery.OverBids("sessions-1m-tws", "sessions-1m by transformWithState: per key a value state and an event-time timer", OutputMode.Append, OutputMode.Append,
            bids => Sessions(bids.WithWatermark("dateTime", Delay).Select(Expr(KeySql).As("key"), Col("dateTime"))), true, ["auction", "bidder", "price", "dateTime"]);

    private static DataFrame Sessions(DataFrame keyAndTime) =>
        keyAndTime.GroupBy("key").TransformWithState(new BidderSessionProcessor(), BidderSessionProcessor.OutputDdl, OutputMode.Append, TimeMode.EventTime);
}
