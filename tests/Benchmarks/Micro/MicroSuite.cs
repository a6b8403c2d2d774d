using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace OrleansStream.Benchmarks.Micro;

/// <summary>
/// <c>-- micro [filter]</c>: the engine's kernels under BenchmarkDotNet. ShortRun jobs (3 warm-ups, 3 iterations) in this
/// process (no generated project to build), so the whole suite takes a few minutes; results are per row of a 64K-row batch.
/// A bare filter matches benchmark names by substring ("micro Ipc"); BenchmarkDotNet options ("--filter *Hash*") pass through.
/// </summary>
public static class MicroSuite
{
    /// <summary>Runs the benchmarks the arguments select (all when none).</summary>
    public static int Run(string[] args)
    {
        var config = DefaultConfig.Instance
            .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance))
            .AddDiagnoser(MemoryDiagnoser.Default)
            .WithArtifactsPath(Path.Combine("tests", "Benchmarks", "results", "micro"))
            .WithOptions(ConfigOptions.JoinSummary);
        var switcherArgs = args.Length == 0 ? ["--filter", "*"] : args[0].StartsWith('-') ? args : ["--filter", $"*{args[0]}*"];
        var summaries = BenchmarkSwitcher.FromTypes(
            [typeof(OperatorBenchmarks), typeof(HashAggregationBenchmarks), typeof(WindowAssignmentBenchmarks), typeof(KeyRoutingBenchmarks), typeof(SessionWindowBenchmarks), typeof(JoinBenchmarks), typeof(ArrowIpcBenchmarks), typeof(ParquetBenchmarks), typeof(StateCheckpointBenchmarks), typeof(CheckpointStoreBenchmarks)])
            .Run(switcherArgs, config);
        return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
    }
}
