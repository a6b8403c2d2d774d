namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>
/// One attempt at running an epoch (DESIGN.md §5, steps 3-4), its steps called in order. The host keeps the attempt's
/// bookkeeping (which producer staged how much where), so that an attempt that lost staged input fails and runs again.
/// </summary>
public interface IEpochAttempt
{
    /// <summary>Source tasks read the recorded offset range and run the first stage.</summary>
    Task<SourceTasksResult> RunSourceTasksAsync(CancellationToken cancellationToken);

    /// <summary>Finishes the epoch in every partition of every keyed stage, upstream stages before the stages they feed;
    /// the results are in stage id order.</summary>
    Task<IReadOnlyList<OperatorEpochResult>> FinishPartitionsAsync(CancellationToken cancellationToken);

    /// <summary>Sinks commit the epoch; returns the files written (file sinks).</summary>
    Task<IReadOnlyList<string>> CommitSinksAsync(CancellationToken cancellationToken);

    /// <summary>Writes the epoch's entry of the file-sink log (nothing for other sinks).</summary>
    Task CommitSinkLogAsync(IReadOnlyList<string> files, CancellationToken cancellationToken);
}
