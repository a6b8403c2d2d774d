using OrleansStream.Client;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>The streams a query is built over: one per Nexmark table it reads, null for the others.</summary>
/// <param name="Person">People.</param>
/// <param name="Auction">Auctions.</param>
/// <param name="Bid">Bids.</param>
public sealed record NexmarkStreams(DataFrame? Person, DataFrame? Auction, DataFrame? Bid)
{
    /// <summary>Streams of <paramref name="tables"/>, each made by <paramref name="load"/>.</summary>
    public static NexmarkStreams Of(IEnumerable<string> tables, Func<string, DataFrame> load)
    {
        ArgumentNullException.ThrowIfNull(load);
        var read = tables.ToHashSet();
        DataFrame? Load(string table) => read.Contains(table) ? load(table) : null;
        return new NexmarkStreams(Load(NexmarkInput.Person), Load(NexmarkInput.Auction), Load(NexmarkInput.Bid));
    }
}
