using System.Runtime;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>
/// Waits, after a warm-up, until the JIT has stopped compiling: tiered compilation promotes a method called 30 times to
/// optimised code on a background thread, only after 100 ms without new tier-0 compiles, so a run timed at once would still
/// execute part of the engine's per-epoch code unoptimised (the baselines are timed over repetitions of at least a second,
/// warm by then).
/// </summary>
internal static class JitSettle
{
    /// <summary>Returns once the compiled method count stayed the same over a quarter second, or after <paramref name="atMost"/>.</summary>
    public static async Task WaitAsync(TimeSpan atMost)
    {
        var deadline = DateTime.UtcNow + atMost;
        var compiled = JitInfo.GetCompiledMethodCount();
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            var now = JitInfo.GetCompiledMethodCount();
            if (now == compiled) return;
            compiled = now;
        }
    }
}
