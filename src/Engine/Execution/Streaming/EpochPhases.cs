namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>
/// How long an epoch's phases took, in milliseconds (Spark's durationMs keys). <paramref name="QueryPlanningMs"/> is preparing
/// the epoch's attempt from the compiled stage graph; <paramref name="GetBatchMs"/> is 0, since source tasks read their
/// offset range as part of running the epoch (addBatch), where Spark first builds the batch's DataFrame.
/// </summary>
public sealed record EpochPhases(long LatestOffsetMs, long QueryPlanningMs, long GetBatchMs, long WalCommitMs, long AddBatchMs, long CommitOffsetsMs);
