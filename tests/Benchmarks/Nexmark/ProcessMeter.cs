using System.Diagnostics;
using System.Globalization;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>
/// Measures one interval of this process: wall time, CPU time of all its threads (the silo's, the GC's, DuckDB's native
/// ones), and peak memory. Cores used = CPU seconds / wall seconds, so "events per second per core" is events per CPU
/// second: it does not credit idle cores, and on a machine shared with other builds it depends less on their load than
/// wall time does. Peak resident memory is the kernel's high-water mark (VmHWM), reset at the start where Linux allows it,
/// plus the largest managed heap seen by a 20 ms sampler. Managed allocation and GC figures are the runtime's own counters
/// over the interval (every thread of the process).
/// </summary>
internal sealed class ProcessMeter : IDisposable
{
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private readonly TimeSpan _cpuStart;
    private readonly long _allocatedStart = GC.GetTotalAllocatedBytes(precise: true);
    private readonly TimeSpan _pauseStart = GC.GetTotalPauseDuration();
    private readonly int[] _collectionsStart = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
    private readonly long _workItemsStart = ThreadPool.CompletedWorkItemCount;
    private readonly long _compiledStart = System.Runtime.JitInfo.GetCompiledMethodCount();
    private readonly (long Voluntary, long Involuntary) _switchesStart = ContextSwitches();
    private readonly Timer _sampler;
    private long _peakManaged;
    private bool _stopped;

    private ProcessMeter()
    {
        ResetPeakResident();
        _cpuStart = ProcessCpuTime();
        _sampler = new Timer(_ => Sample(), null, 0, 20);
    }

    /// <summary>Wall time since the start.</summary>
    public TimeSpan Elapsed => _wall.Elapsed;

    /// <summary>Wall seconds of the interval.</summary>
    public double WallSeconds { get; private set; }
    /// <summary>CPU seconds of every thread of the process during the interval.</summary>
    public double CpuSeconds { get; private set; }
    /// <summary>Peak resident set during the interval (or since process start where the high-water mark cannot be reset).</summary>
    public long PeakResidentBytes { get; private set; }
    /// <summary>Largest managed heap sampled.</summary>
    public long PeakManagedBytes => Interlocked.Read(ref _peakManaged);
    /// <summary>Managed bytes allocated during the interval.</summary>
    public long AllocatedBytes { get; private set; }
    /// <summary>Time the GC paused the process during the interval.</summary>
    public double GcPauseSeconds { get; private set; }
    /// <summary>Collections during the interval, per generation (a gen-2 collection also counts as gen 0 and 1).</summary>
    public int[] Collections { get; private set; } = [0, 0, 0];
    /// <summary>Methods the JIT compiled during the interval: a warm run compiles next to none.</summary>
    public long CompiledMethods { get; private set; }
    /// <summary>Thread-pool work items completed during the interval (every grain turn, continuation and timer callback).</summary>
    public long ThreadPoolWorkItems { get; private set; }
    /// <summary>
    /// Context switches of the process's threads during the interval (Linux; 0 elsewhere): voluntary ones are a thread
    /// blocking or yielding (an idle pool worker's sched_yield spin, a futex wait), involuntary ones preemption. Threads
    /// that exited during the interval are missing from the count.
    /// </summary>
    public long VoluntarySwitches { get; private set; }
    /// <summary>See <see cref="VoluntarySwitches"/>.</summary>
    public long InvoluntarySwitches { get; private set; }
    /// <summary>Whether the resident high-water mark was reset at the start (false: it covers the whole process life).</summary>
    public bool PeakResidentIsPerInterval { get; private set; }

    /// <summary>Starts measuring now, after a full collection; <paramref name="beforeMeasuring"/> runs between the two (a
    /// profiler's start: the collection before the interval is in no figure, and should be in no profile of it either).</summary>
    public static ProcessMeter Start(Action? beforeMeasuring = null)
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        beforeMeasuring?.Invoke();
        return new ProcessMeter();
    }

    /// <summary>Ends the interval.</summary>
    public void Stop()
    {
        if (_stopped) return;
        _stopped = true;
        WallSeconds = _wall.Elapsed.TotalSeconds;
        CpuSeconds = (ProcessCpuTime() - _cpuStart).TotalSeconds;
        AllocatedBytes = GC.GetTotalAllocatedBytes(precise: true) - _allocatedStart;
        GcPauseSeconds = (GC.GetTotalPauseDuration() - _pauseStart).TotalSeconds;
        Collections = [.. Enumerable.Range(0, 3).Select(g => GC.CollectionCount(g) - _collectionsStart[g])];
        ThreadPoolWorkItems = ThreadPool.CompletedWorkItemCount - _workItemsStart;
        CompiledMethods = System.Runtime.JitInfo.GetCompiledMethodCount() - _compiledStart;
        var switches = ContextSwitches();
        (VoluntarySwitches, InvoluntarySwitches) = (switches.Voluntary - _switchesStart.Voluntary, switches.Involuntary - _switchesStart.Involuntary);
        Sample();
        _sampler.Dispose();
        PeakResidentBytes = ReadPeakResident();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Stop();
        _sampler.Dispose();
    }

    private void Sample()
    {
        var heap = GC.GetTotalMemory(false);
        long seen;
        while (heap > (seen = Interlocked.Read(ref _peakManaged)) && Interlocked.CompareExchange(ref _peakManaged, heap, seen) != seen) { }
    }

    /// <summary>
    /// CPU time of every thread of the process so far. On Linux getrusage(RUSAGE_SELF), whose sum of user and system time
    /// comes from the scheduler's nanosecond runtime (reported in µs), where Process.TotalProcessorTime reads /proc in clock
    /// ticks of 10 ms: too coarse for a run of a fraction of a second (a prebuilt-input run of 2 M events can take 0.2 s).
    /// </summary>
    public static TimeSpan ProcessCpuTime()
    {
        if (OperatingSystem.IsLinux() && GetRusage(RusageSelf, out var usage) == 0)
            return TimeSpan.FromMicroseconds((usage.UserSeconds + usage.SystemSeconds) * 1_000_000.0 + usage.UserMicros + usage.SystemMicros);
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    private const int RusageSelf = 0;

    // struct rusage on 64-bit Linux: two struct timevals (ru_utime, ru_stime), then 14 longs this does not read.
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct Rusage
    {
        public long UserSeconds, UserMicros, SystemSeconds, SystemMicros;
        private readonly long _1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static extern int GetRusage(int who, out Rusage usage);

    // Writing 5 to clear_refs resets the process's peak RSS (Linux 4.0+); elsewhere the peak covers the whole process.
    private void ResetPeakResident()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            PeakResidentIsPerInterval = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException or DirectoryNotFoundException) { }
    }

    // Summed over /proc/self/task/*/status: /proc/self/status counts the main thread only.
    private static (long Voluntary, long Involuntary) ContextSwitches()
    {
        long voluntary = 0, involuntary = 0;
        if (!OperatingSystem.IsLinux()) return (0, 0);
        try
        {
            foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
            {
                try
                {
                    foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                        if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal))
                            voluntary += long.Parse(line.AsSpan("voluntary_ctxt_switches:".Length).Trim(), CultureInfo.InvariantCulture);
                        else if (line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                            involuntary += long.Parse(line.AsSpan("nonvoluntary_ctxt_switches:".Length).Trim(), CultureInfo.InvariantCulture);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or DirectoryNotFoundException) { } // the thread exited
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DirectoryNotFoundException) { }
        return (voluntary, involuntary);
    }

    private static long ReadPeakResident()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DirectoryNotFoundException) { }
        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64;
    }
}
