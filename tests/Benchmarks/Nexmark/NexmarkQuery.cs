using OrleansStream.Client;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>One query of the suite as the engine runs it, with the output modes it runs in.</summary>
/// <param name="Name">The name results carry (NEXMARK.md: q5-agg and q7-agg are the aggregation halves of q5 and q7).</param>
/// <param name="Computes">What it computes, for the report.</param>
/// <param name="Mode">The output mode of the throughput run: Append where results are final (a watermark closes windows).</param>
/// <param name="LatencyMode">The output mode of the latency run: Update wherever the engine allows it, so an event's row
/// (its group's new value) is visible in the sink at the end of the epoch that read it; session windows allow only Append.</param>
/// <param name="Build">The query over the bids stream, with the public DataFrame API.</param>
/// <param name="IsAggregation">Whether it keeps state (the DuckDB baseline runs for these).</param>
/// <param name="Columns">The bid columns it reads: with --prune-columns the source schema declares only these, as Spark's
/// column pruning would (the planner now prunes the others itself).</param>
public sealed record NexmarkQuery(string Name, string Computes, OutputMode Mode, OutputMode LatencyMode, Func<DataFrame, DataFrame> Build, bool IsAggregation,
    IReadOnlyList<string> Columns);
