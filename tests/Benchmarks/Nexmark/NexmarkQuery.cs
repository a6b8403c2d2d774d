using OrleansStream.Client;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>One query of the suite as the engine runs it, with the output modes it runs in.</summary>
/// <param name="Name">The name results carry (NEXMARK.md: q5-agg and q7-agg are the aggregation halves of q5 and q7).</param>
/// <param name="Computes">What it computes, for the report.</param>
/// <param name="Mode">The output mode of the throughput run: Append where results are final (a watermark closes windows).</param>
/// <param name="LatencyMode">The output mode of the latency run: Update wherever the engine allows it, so an event's row
/// (its group's new value) is visible in the sink at the end of the epoch that read it; session windows and joins allow only Append.</param>
/// <param name="Build">The query over the streams of the tables it reads, with the public DataFrame API.</param>
/// <param name="IsAggregation">Whether it keeps state (the DuckDB baseline runs for these).</param>
/// <param name="Reads">The tables it reads (person, auction, bid) and, per table, the columns it reads: the hand loops get
/// only these, as the engine's source does once the planner has pruned the others.</param>
public sealed record NexmarkQuery(string Name, string Computes, OutputMode Mode, OutputMode LatencyMode, Func<NexmarkStreams, DataFrame> Build, bool IsAggregation,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Reads)
{
    /// <summary>A query over the bids alone.</summary>
    public static NexmarkQuery OverBids(string name, string computes, OutputMode mode, OutputMode latencyMode, Func<DataFrame, DataFrame> build, bool isAggregation,
        IReadOnlyList<string> columns) =>
        new(name, computes, mode, latencyMode, streams => build(streams.Bid ?? throw new InvalidOperationException($"{name} reads the bids.")), isAggregation,
            new Dictionary<string, IReadOnlyList<string>> { [NexmarkInput.Bid] = columns });

    /// <summary>The bid columns it reads (none when it reads no bids).</summary>
    public IReadOnlyList<string> Columns => Reads.TryGetValue(NexmarkInput.Bid, out var c) ? c : [];

    /// <summary>Whether it reads more than the bids (a join).</summary>
    public bool IsMultiTable => Reads.Count > 1 || !Reads.ContainsKey(NexmarkInput.Bid);

    /// <summary>Its input for <paramref name="events"/> rows of its tables together.</summary>
    public NexmarkInput Input(long events) => new(Reads.Keys, events);
}
