using OrleansStream.Interfaces.Lookups;
using OrleansStream.Interfaces.Queries;

namespace OrleansStream.Interfaces.Execution;

/// <summary>
/// The epoch coordinator of one query (keyed by checkpoint location): plans epochs, writes the offset log
/// ahead of work, runs source tasks, commits sinks and then the commit log; owns the watermark.
/// </summary>
[Alias("OrleansStream.ITriggerGrain")]
public interface ITriggerGrain : IGrainWithStringKey
{
    /// <summary>Starts a run; resumes from the checkpoint (re-running an epoch that was planned but not committed).</summary>
    [Alias("StartRun")] Task StartRunAsync(RunRequest request);
    /// <summary>Asks the run to stop after the running epoch and waits for it.</summary>
    [Alias("StopRun")] Task StopRunAsync();
    /// <summary>The status of the current or last run.</summary>
    [AlwaysInterleave, Alias("GetStatus")] Task<QueryStatus> GetStatusAsync();
    /// <summary>Recent progress JSON of the current run, oldest first.</summary>
    [AlwaysInterleave, Alias("GetRecentProgress")] Task<IReadOnlyList<string>> GetRecentProgressAsync();
    /// <summary>See <see cref="IStreamingQueryGrain.MarkAvailableAsync"/>.</summary>
    [AlwaysInterleave, Alias("MarkAvailable")] Task<long> MarkAvailableAsync();
    /// <summary>See <see cref="IStreamingQueryGrain.WaitForTicketAsync"/>.</summary>
    [AlwaysInterleave, Alias("WaitForTicket")] Task<bool> WaitForTicketAsync(long ticket, TimeSpan maxWait);
    /// <summary>What live lookups need: the active run's plan, the last committed epoch and its state partitions.</summary>
    [AlwaysInterleave, Alias("GetLookupTarget")] Task<LookupTarget> GetLookupTargetAsync();
}

/// <summary>What a run executes.</summary>
[GenerateSerializer, Immutable, Alias("OrleansStream.RunRequest")]
public sealed record RunRequest(
    [property: Id(0)] Guid QueryId,
    [property: Id(1)] Guid RunId,
    [property: Id(2)] QuerySpec Spec,
    [property: Id(3)] IQueryObserver? Observer);
