using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>
/// With NEXMARK_EPOCH_TIMELINE=FILE set, the engine child listens to the engine's epoch spans (plan, write-ahead, run, sink
/// commit, commit) of its throughput run and writes them as CSV (batch, phase, start µs, end µs from the first span) to a
/// file named after FILE, the query, the run and the core count (<see cref="Write"/>),
/// so that where an epoch's critical path waits on one thread can be read off: the gaps between one epoch's run and the
/// next are serial steps (planning, the write-ahead) unless they overlap the run.
/// </summary>
internal sealed class EpochTimeline : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<(ActivityTraceId Trace, long? Batch, string Phase, DateTime Start, DateTime End)> _spans = new();
    private volatile bool _recording;

    private EpochTimeline()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "OrleansStream",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Stopped,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The timeline asked for by the environment, or null.</summary>
    public static EpochTimeline? FromEnvironment() =>
        Environment.GetEnvironmentVariable("NEXMARK_EPOCH_TIMELINE") is { Length: > 0 } ? new EpochTimeline() : null;

    /// <summary>Spans stopped from now on are kept (the warm-up's are not), those kept before dropped.</summary>
    public void Record()
    {
        _spans.Clear();
        _recording = true;
    }

    private void Stopped(Activity activity)
    {
        if (!_recording) return;
        // An epoch is a root span carrying its batch id; its phases are its children (same trace).
        var batch = activity.GetTagItem("batch.id") as long?;
        _spans.Enqueue((activity.TraceId, batch, batch is null ? activity.OperationName : "epoch", activity.StartTimeUtc, activity.StartTimeUtc + activity.Duration));
    }

    /// <summary>Writes the recorded spans to FILE.&lt;<paramref name="run"/>&gt;.&lt;cores&gt;, FILE being what the environment
    /// names: each run of each query a file of its own (one suite runs every query several times, each in a process of its own).</summary>
    public void Write(string run)
    {
        var batches = _spans.Where(s => s.Batch is not null).GroupBy(s => s.Trace).ToDictionary(g => g.Key, g => g.First().Batch!.Value);
        var spans = _spans.Where(s => batches.ContainsKey(s.Trace)).Select(s => (Batch: batches[s.Trace], s.Phase, s.Start, s.End)).ToList();
        if (spans.Count == 0) return;
        var origin = spans.Min(s => s.Start);
        var lines = spans.OrderBy(s => s.Start).Select(s => string.Create(CultureInfo.InvariantCulture,
            $"{s.Batch},{s.Phase},{(s.Start - origin).Ticks / 10},{(s.End - origin).Ticks / 10}"));
        var path = string.Create(CultureInfo.InvariantCulture, $"{Environment.GetEnvironmentVariable("NEXMARK_EPOCH_TIMELINE")}.{run}.{Environment.ProcessorCount}");
        File.WriteAllLines(path, ["batch,phase,startUs,endUs", .. lines]);
    }

    public void Dispose() => _listener.Dispose();
}
