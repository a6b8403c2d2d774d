namespace OrleansStream.Interfaces.Subscriptions;

/// <summary>A live subscriber to a query's results, in the client that subscribed (a grain observer).</summary>
[Alias("OrleansStream.IResultObserver")]
public interface IResultObserver : IGrainObserver
{
    /// <summary>A committed epoch's output. The subscriber only buffers it: it answers at once, whoever reads it and when.</summary>
    [Alias("OnEpoch")] Task OnEpoch(ResultEpoch epoch);
}
