using Microsoft.Extensions.Logging;
using OrleansStream.Engine.Telemetry;

namespace OrleansStream.Grains.Execution;

/// <summary>The trigger's log events (the grain's and its epoch runtime's).</summary>
internal static partial class TriggerLog
{
    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Query {Query}: batch {BatchId} committed")]
    public static partial void LogInformationBatchCommitted(ILogger logger, string query, long batchId);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Information, Message = "Query {Query}: re-running batch {BatchId} from the offset log")]
    public static partial void LogInformationReplaying(ILogger logger, string query, long batchId);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Warning, Message = "Query {Query}: batch {BatchId} attempt {Attempt} failed; running it again from its offsets")]
    public static partial void LogWarningRetrying(ILogger logger, Exception exception, string query, long batchId, int attempt);

    [LoggerMessage(EventId = 1206, Level = LogLevel.Warning, Message = "Query {Query}: resuming run {RunId} in a new activation of its trigger")]
    public static partial void LogWarningResuming(ILogger logger, string query, Guid runId);

    [LoggerMessage(EventId = 1207, Level = LogLevel.Warning, Message = "Query {Query}: run {RunId} left this activation (deactivated); the next activation resumes it")]
    public static partial void LogWarningMoved(ILogger logger, Exception exception, string query, Guid runId);

    [LoggerMessage(EventId = 1211, Level = LogLevel.Warning, Message = "Query {Query}: another activation of its trigger wrote the checkpoint record; this one leaves run {RunId} to it and deactivates")]
    public static partial void LogWarningSuperseded(ILogger logger, Exception exception, string query, Guid runId);

    [LoggerMessage(EventId = 1212, Level = LogLevel.Warning, Message = "Query {Query}: could not write the checkpoint record before resuming run {RunId}; resuming without it")]
    public static partial void LogWarningClaimFailed(ILogger logger, Exception exception, string query, Guid runId);

    [LoggerMessage(EventId = 1210, Level = LogLevel.Warning, Message = "Query {Query}: run {RunId} did not finish its epoch before its activation's deactivation timed out; the next activation re-runs it")]
    public static partial void LogWarningLeftRunning(ILogger logger, string query, Guid runId);

    [LoggerMessage(EventId = 1208, Level = LogLevel.Warning, Message = "Query {Query}: stopped with epochs after {LastCommitted} run but not committed; the next run re-runs them")]
    public static partial void LogWarningLeftUncommitted(ILogger logger, Exception exception, string query, long lastCommitted);

    [LoggerMessage(EventId = 1209, Level = LogLevel.Warning, Message = "Query {Query} is falling behind: {Source} has more input than an epoch admits ({Backlog}); epochs stay bounded by maxRowsPerTrigger / maxBytesPerTrigger / maxFilesPerTrigger or OrleansStream__EpochMemoryBudgetBytes")]
    public static partial void LogWarningFallingBehind(ILogger logger, string query, string source, string backlog);

    [LoggerMessage(EventId = 1213, Level = LogLevel.Error, Message = "Query {Query}: an epoch's progress could not be written; it is not reported")]
    public static partial void LogErrorProgressNotWritten(ILogger logger, Exception exception, string query);

    // A user's exception can quote a connection string (a sink's, a lookup's): the log gets its text with credentials masked.
    public static void LogErrorQueryFailed(ILogger logger, Exception exception, string query, Guid runId)
    {
        if (logger.IsEnabled(LogLevel.Error)) LogErrorQueryFailed(logger, query, runId, SecretRedactor.Redact(exception.ToString())!);
    }

    [LoggerMessage(EventId = 1203, Level = LogLevel.Error, Message = "Query {Query} run {RunId} failed: {Error}")]
    private static partial void LogErrorQueryFailed(ILogger logger, string query, Guid runId, string error);
}
