namespace OrleansStream.Engine.Connectors;

/// <summary>
/// One query's sink (Spark's <c>StreamingWrite</c>): writers per (epoch, partition) stage rows and return a commit message;
/// the epoch commit makes an epoch's messages visible at once. Both must be idempotent per epoch: a replayed epoch
/// (after a crash between the sink's commit and the commit log) writes and commits again.
/// </summary>
public interface IStreamSink
{
    /// <summary>Human-readable description for progress ("MemorySink", "FileSink[/out] (json)").</summary>
    string Description { get; }

    /// <summary>How an epoch's rows are spread over writers.</summary>
    SinkPartitioning Partitioning => SinkPartitioning.Single;

    /// <summary>True when the sink throws rows away (noop): producers then do not ship them, and no writer is opened or
    /// committed (it would be handed nothing).</summary>
    bool DiscardsRows => false;

    /// <summary>Called once when a query starts (before its first run), e.g. to claim an output folder.</summary>
    Task OnQueryStartAsync(SinkQueryStart start, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Called when a run of the query starts on the trigger, e.g. to remove what a killed writer left.</summary>
    Task OnRunStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>A writer for one partition of one epoch attempt.</summary>
    ISinkWriter CreateWriter(SinkWriterContext context);

    /// <summary>
    /// Commits epoch <paramref name="epoch"/> from its writers' messages (in a stable order). Runs on the trigger, after
    /// every writer committed and before the commit log.
    /// </summary>
    Task CommitAsync(long epoch, IReadOnlyList<string> messages, SinkEpochContext context, CancellationToken cancellationToken) => Task.CompletedTask;
}
