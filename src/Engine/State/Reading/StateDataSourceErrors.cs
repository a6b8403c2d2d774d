using System.Globalization;
using OrleansStream.Plan;

namespace OrleansStream.Engine.State.Reading;

/// <summary>
/// The state data source's errors in Spark's words (its <c>STDS_*</c> error classes, StateDataSourceErrors.scala and
/// error-conditions.json), raised as <see cref="AnalysisException"/>s so that a batch read reports them at analysis.
/// </summary>
public static class StateDataSourceErrors
{
    /// <summary>STDS_INVALID_OPTION_VALUE.WITH_MESSAGE.</summary>
    public static AnalysisException InvalidOptionValue(string option, string message) =>
        new($"[STDS_INVALID_OPTION_VALUE.WITH_MESSAGE] Invalid value for source option '{option}': {message}");

    /// <summary>STDS_INVALID_OPTION_VALUE.IS_NEGATIVE.</summary>
    public static AnalysisException IsNegative(string option) =>
        new($"[STDS_INVALID_OPTION_VALUE.IS_NEGATIVE] Invalid value for source option '{option}': cannot be negative.");

    /// <summary>STDS_INVALID_OPTION_VALUE.IS_EMPTY.</summary>
    public static AnalysisException IsEmpty(string option) =>
        new($"[STDS_INVALID_OPTION_VALUE.IS_EMPTY] Invalid value for source option '{option}': cannot be empty.");

    /// <summary>STDS_REQUIRED_OPTION_UNSPECIFIED.</summary>
    public static AnalysisException RequiredOptionUnspecified(string option) =>
        new($"[STDS_REQUIRED_OPTION_UNSPECIFIED] '{option}' must be specified.");

    /// <summary>STDS_CONFLICT_OPTIONS.</summary>
    public static AnalysisException ConflictOptions(params string[] options) =>
        new($"[STDS_CONFLICT_OPTIONS] The options [{string.Join(", ", options.Select(o => $"'{o}'"))}] cannot be specified together. Please specify the one.");

    /// <summary>STDS_COMMITTED_BATCH_UNAVAILABLE: nothing was ever committed at the location.</summary>
    public static AnalysisException CommittedBatchUnavailable(string checkpointLocation) =>
        new($"[STDS_COMMITTED_BATCH_UNAVAILABLE] No committed batch found, checkpoint location: {checkpointLocation}. Ensure that the query has run and committed any microbatch before stopping.");

    /// <summary>STDS_OFFSET_LOG_UNAVAILABLE: the batch was never committed (or is no longer recorded).</summary>
    public static AnalysisException OffsetLogUnavailable(long batchId, string checkpointLocation) =>
        new(string.Create(CultureInfo.InvariantCulture,
            $"[STDS_OFFSET_LOG_UNAVAILABLE] The offset log for {batchId} does not exist, checkpoint location: {checkpointLocation}. Please specify the batch ID which is available for querying - you can query the available batch IDs via using state metadata data source."));

    /// <summary>STDS_FAILED_TO_READ_STATE_SCHEMA, with what is missing.</summary>
    public static AnalysisException FailedToReadStateSchema(StateSourceOptions options, string reason) =>
        new($"[STDS_FAILED_TO_READ_STATE_SCHEMA] Failed to read the state schema. Either the file does not exist, or the file is corrupted. options: {options}. {reason}");
}
