namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>A throughput run's totals.</summary>
/// <param name="Events">Bid rows read.</param>
/// <param name="WallSeconds">Wall seconds.</param>
/// <param name="CpuSeconds">CPU seconds of the process.</param>
public sealed record ThroughputResult(long Events, double WallSeconds, double CpuSeconds)
{
    /// <summary>Bids per CPU second.</summary>
    public double EventsPerCoreSecond => CpuSeconds > 0 ? Events / CpuSeconds : double.NaN;
}
