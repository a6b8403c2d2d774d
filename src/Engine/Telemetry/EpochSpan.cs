using System.Diagnostics;

namespace OrleansStream.Engine.Telemetry;

/// <summary>
/// The span of one epoch and its phase children (plan, write-ahead, run, sink commit, commit). Phases run one after the
/// other: <see cref="Begin"/> ends the current one. Disposing ends the epoch; one not marked <see cref="Succeeded"/> failed.
/// </summary>
public sealed class EpochSpan(Activity epoch) : IDisposable
{
    private Activity? _phase;
    private bool _succeeded;

    public Activity Activity => epoch;

    /// <summary>Ends the current phase and starts <paramref name="phase"/> as a child of the epoch.</summary>
    public void Begin(string phase)
    {
        EndPhase();
        _phase = StreamingTelemetry.ActivitySource.StartActivity(phase, ActivityKind.Internal, epoch.Context);
    }

    /// <summary>A phase that ran before the span began (planning happens before an epoch is known to run).</summary>
    internal void Completed(string phase, DateTimeOffset start, DateTimeOffset end)
    {
        var activity = StreamingTelemetry.ActivitySource.StartActivity(phase, ActivityKind.Internal, epoch.Context, startTime: start);
        if (activity is null) return;
        activity.SetEndTime(end.UtcDateTime);
        activity.Stop();
        Activity.Current = epoch;
    }

    /// <summary>A phase that ran beside the current one (a write-ahead overlapping the source tasks), ended now.</summary>
    internal void CompletedBeside(string phase, DateTimeOffset start, DateTimeOffset end)
    {
        var current = Activity.Current;
        Completed(phase, start, end);
        Activity.Current = current;
    }

    public void Succeeded()
    {
        EndPhase();
        _succeeded = true;
        epoch.SetStatus(ActivityStatusCode.Ok);
    }

    public void Dispose()
    {
        EndPhase();
        if (!_succeeded) epoch.SetStatus(ActivityStatusCode.Error, "the epoch failed");
        epoch.Stop();
    }

    private void EndPhase()
    {
        _phase?.Stop();
        _phase = null;
        Activity.Current = epoch;
    }
}
