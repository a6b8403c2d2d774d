namespace OrleansStream.Interfaces.Queries;

/// <summary>
/// A streaming query, keyed by its checkpoint location. Validates and plans what the client asks for,
/// keeps the run history, and starts and stops runs of the trigger that executes epochs.
/// </summary>
[Alias("OrleansStream.IStreamingQueryGrain")]
public interface IStreamingQueryGrain : IGrainWithStringKey
{
    /// <summary>Validates <paramref name="spec"/>, records it and starts a new run. Fails with the reason when the query cannot run.</summary>
    [Alias("Start")] Task<QueryStartInfo> StartAsync(QuerySpec spec, IQueryObserver? observer, CancellationToken cancellationToken = default);
    /// <summary>Stops the active run (if any) after the running epoch.</summary>
    [Alias("Stop")] Task StopAsync(CancellationToken cancellationToken = default);
    /// <summary>The current status.</summary>
    [AlwaysInterleave, Alias("GetStatus")] Task<QueryStatus> GetStatusAsync();
    /// <summary>Up to 100 most recent progress reports of the current run, oldest first (Spark's JSON).</summary>
    [AlwaysInterleave, Alias("GetRecentProgress")] Task<IReadOnlyList<string>> GetRecentProgressAsync();
    /// <summary>Marks the data available now at every source; returns a ticket for <see cref="WaitForTicketAsync"/>.</summary>
    [AlwaysInterleave, Alias("MarkAvailable")] Task<long> MarkAvailableAsync();
    /// <summary>Waits at most <paramref name="maxWait"/> for every epoch needed by the ticket to commit; false on timeout.</summary>
    [AlwaysInterleave, Alias("WaitForTicket")] Task<bool> WaitForTicketAsync(long ticket, TimeSpan maxWait);
}
