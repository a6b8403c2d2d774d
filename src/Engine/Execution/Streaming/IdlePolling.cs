namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>
/// How long the default trigger waits before asking the sources again when they had no new data. Spark waits its polling
/// delay (10 ms) every time. Here the first wait after an epoch is <see cref="FirstDelay"/> and each further idle round
/// doubles it, up to the polling delay: a stream that is still flowing is asked again within about a millisecond (a row
/// that arrives just after an epoch found nothing new would otherwise wait the whole delay, all of a 10 ms latency
/// budget, and an epoch that got shorter would find nothing new more often), while an idle one settles at the polling
/// delay after a few rounds. Which rows an epoch of the default trigger takes follows timing anyway; no result changes.
/// </summary>
public sealed class IdlePolling
{
    /// <summary>The first wait after an epoch.</summary>
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(1);

    private readonly TimeSpan _pollingDelay;
    private TimeSpan _next;

    /// <summary>A run's polling; it starts as Spark's does, at the polling delay: nothing has flowed yet.</summary>
    public IdlePolling(TimeSpan pollingDelay) => _next = _pollingDelay = pollingDelay;

    /// <summary>An epoch ran: the next idle round waits the shortest.</summary>
    public void OnEpoch() => _next = FirstDelay < _pollingDelay ? FirstDelay : _pollingDelay;

    /// <summary>The wait of this idle round; the next one waits twice as long, up to the polling delay.</summary>
    public TimeSpan Next()
    {
        var delay = _next;
        _next = delay * 2 < _pollingDelay ? delay * 2 : _pollingDelay;
        return delay;
    }
}
