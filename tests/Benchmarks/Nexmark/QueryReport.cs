namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>Everything measured for one query: the engine's runs and the baselines'.</summary>
public sealed class QueryReport
{
    /// <summary>Query name.</summary>
    public string Query { get; set; } = "";
    /// <summary>What it computes.</summary>
    public string Computes { get; set; } = "";
    /// <summary>The engine's result.</summary>
    public EngineResult Engine { get; set; } = new();
    /// <summary>The baselines' results (hand, rx, duckdb).</summary>
    public List<BaselineResult> Baselines { get; set; } = new();

    /// <summary>Engine bids per CPU second.</summary>
    public double EngineEventsPerCoreSecond => Engine.CpuSeconds > 0 ? Engine.Events / Engine.CpuSeconds : double.NaN;

    /// <summary>Engine bids per CPU second divided by the baseline's, or NaN when it did not run.</summary>
    public double Ratio(string system) => Baselines.FirstOrDefault(b => b.System == system) is { } b ? EngineEventsPerCoreSecond / b.EventsPerCoreSecond : double.NaN;

    /// <summary>The rows the engine's result has, comparable with the baselines': distinct keys for the Update-mode count, and
    /// for q12 (whose processing-time windows are still open when a short run ends) the windows emitted plus those in state.</summary>
    public long EngineResultRows => Query == "q12" ? Engine.OutputRows + Engine.StateRows : Engine.Mode == "Update" ? Engine.StateRows : Engine.OutputRows;
}
