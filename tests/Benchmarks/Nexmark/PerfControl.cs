namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>
/// With NEXMARK_PERF_CONTROL=CTL[,ACK] set (the FIFOs of <c>perf record --control=fifo:CTL,ACK -D -1</c>), the engine child
/// enables perf around each throughput run and disables it after, so that a profile holds only the timed epochs, not the
/// prebuild, the warm-up or the JIT. With NEXMARK_PERF_RUN=scaling as well, around each scaling run instead (the steady
/// state of a pinned process, its state already grown).
/// </summary>
internal static class PerfControl
{
    private static readonly string[]? Fifos = Environment.GetEnvironmentVariable("NEXMARK_PERF_CONTROL") is { Length: > 0 } v ? v.Split(',') : null;
    private static readonly string Profiled = Environment.GetEnvironmentVariable("NEXMARK_PERF_RUN") is { Length: > 0 } r ? r : Throughput;

    /// <summary>The run profiled by default: the throughput run.</summary>
    public const string Throughput = "throughput";

    /// <summary>The scaling run (NEXMARK_PERF_RUN=scaling).</summary>
    public const string Scaling = "scaling";

    /// <summary>Starts perf's sampling for <paramref name="run"/> when it is the run profiled (no-op without the variable).</summary>
    public static void Enable(string run)
    {
        if (run == Profiled) Send("enable");
    }

    /// <summary>Stops perf's sampling after <paramref name="run"/> when it is the run profiled (no-op without the variable).</summary>
    public static void Disable(string run)
    {
        if (run == Profiled) Send("disable");
    }

    private static void Send(string command)
    {
        if (Fifos is null) return;
        File.WriteAllText(Fifos[0], command + "\n");
        // perf answers "ack" once the command took effect: the run starts only then.
        if (Fifos.Length > 1) using (var ack = new StreamReader(Fifos[1])) ack.ReadLine();
    }
}
