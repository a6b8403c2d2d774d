namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>One baseline's run of one query.</summary>
/// <param name="System">hand, rx or duckdb.</param>
/// <param name="Query">Query name.</param>
/// <param name="Events">Bids processed, over all repetitions.</param>
/// <param name="WallSeconds">Wall seconds.</param>
/// <param name="CpuSeconds">CPU seconds of the process over the run.</param>
/// <param name="OutputRows">Result rows of one run (the cross-check against the engine).</param>
/// <param name="Repetitions">How many times the run was repeated to fill at least a second (CPU time is read in clock ticks).</param>
public sealed record BaselineResult(string System, string Query, long Events, double WallSeconds, double CpuSeconds, long OutputRows, int Repetitions)
{
    /// <summary>Bids per CPU second.</summary>
    public double EventsPerCoreSecond => CpuSeconds > 0 ? Events / CpuSeconds : double.NaN;
}
