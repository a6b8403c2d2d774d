namespace OrleansStream.Grains.Execution;

/// <summary>
/// Points in an epoch's commit where a test may act on the silo (resolved from the silo's services; the default does
/// nothing). Crash tests register an implementation through the test-hooks assembly (<c>OrleansStream__TestHooks</c>) that
/// hangs the trigger at one of them, so that the process can be killed exactly there. Production options carry no such switch.
/// </summary>
public interface IEpochHooks
{
    /// <summary>Called once the sinks of <paramref name="batchId"/> committed, before its file-sink log entry and commit record.</summary>
    /// <param name="query">The query's key.</param>
    /// <param name="batchId">The epoch.</param>
    Task OnSinkCommittedAsync(string query, long batchId);

    /// <summary>Called once the file-sink log entry of <paramref name="batchId"/> is written (for other sinks, right after
    /// <see cref="OnSinkCommittedAsync"/>), before its commit record.</summary>
    /// <param name="query">The query's key.</param>
    /// <param name="batchId">The epoch.</param>
    Task OnSinkLogWrittenAsync(string query, long batchId);
}
