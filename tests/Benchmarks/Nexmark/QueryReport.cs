namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>Everything measured for one query: the engine's runs and the baselines'.</summary>
public sealed class QueryReport
{
    /// <summary>Query name.</summary>
    public string Query { get; set; } = "";
    /// <summary>What it computes.</summary>
    public string Computes { get; set; } = "";
    /// <summary>The engine's median run by CPU seconds, with the latency of the first run (the only one that measures it).</summary>
    public EngineResult Engine { get; set; } = new();
    /// <summary>Every engine run, in the order they ran.</summary>
    public List<EngineResult> EngineRuns { get; set; } = new();
    /// <summary>The engine runs pinned with taskset (<c>--cores</c>), every core count of every run, in the order they ran.</summary>
    public List<EngineResult> ScalingRuns { get; set; } = new();
    /// <summary>Each baseline's median run by bids per CPU second (generator, hand, rx, duckdb).</summary>
    public List<BaselineResult> Baselines { get; set; } = new();
    /// <summary>Every baseline run; run i of each system ran right after engine run i.</summary>
    public List<BaselineResult> BaselineRuns { get; set; } = new();

    /// <summary>Engine bids per CPU second.</summary>
    public double EngineEventsPerCoreSecond => Engine.CpuSeconds > 0 ? Engine.Events / Engine.CpuSeconds : double.NaN;

    /// <summary>Engine CPU nanoseconds per event (all threads of its process).</summary>
    public double EngineNsPerEvent => Engine.Events > 0 ? Engine.CpuSeconds * 1e9 / Engine.Events : double.NaN;

    /// <summary>The baseline's CPU nanoseconds per event, or NaN when it did not run.</summary>
    public double BaselineNsPerEvent(string system) => Baselines.FirstOrDefault(b => b.System == system) is { } b ? 1e9 / b.EventsPerCoreSecond : double.NaN;

    /// <summary>Engine bids per CPU second divided by the baseline's, or NaN when it did not run.</summary>
    public double Ratio(string system) => Baselines.FirstOrDefault(b => b.System == system) is { } b ? EngineEventsPerCoreSecond / b.EventsPerCoreSecond : double.NaN;

    /// <summary>Engine run i's bids per CPU second over the baseline's run i, for each run both completed.</summary>
    public IReadOnlyList<double> RunRatios(string system)
    {
        var baseline = BaselineRuns.Where(b => b.System == system).ToList();
        return EngineRuns.Zip(baseline, (e, b) => e.CpuSeconds > 0 && b.CpuSeconds > 0 ? e.Events / e.CpuSeconds / b.EventsPerCoreSecond : double.NaN).ToList();
    }

    /// <summary>The rows the engine's result has, comparable with the baselines': distinct keys for the Update-mode count, and
    /// for q12 (whose processing-time windows are still open when a short run ends) the windows emitted plus those in state.</summary>
    public long EngineResultRows => Query == "q12" ? Engine.OutputRows + Engine.StateRows : Engine.Mode == "Update" ? Engine.StateRows : Engine.OutputRows;
}
