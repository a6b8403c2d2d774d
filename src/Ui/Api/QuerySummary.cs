using System.Text.Json;
using OrleansStream.Engine.Telemetry;
using OrleansStream.Interfaces.Progress;
using OrleansStream.Interfaces.Queries;

namespace OrleansStream.Ui.Api;

/// <summary>
/// One row of the queries page, as Spark's Structured Streaming tab shows it: name, id, run id, status, start, duration, the
/// average input and process rates over the recent progress, and the latest batch. Text that could carry a credential is masked.
/// </summary>
internal sealed record QuerySummary(
    Guid Id,
    string? Name,
    Guid RunId,
    string Status,
    DateTime StartedUtc,
    DateTime? StoppedUtc,
    long DurationMs,
    double? AvgInputRowsPerSecond,
    double? AvgProcessedRowsPerSecond,
    long? LatestBatchId,
    string? Exception)
{
    public static QuerySummary Of(QueryCatalogEntry entry, DateTime nowUtc)
    {
        var progress = entry.RecentProgress.Select(StreamingQueryProgress.FromJson).ToList();
        return new(
            entry.Id,
            SecretRedactor.Redact(entry.Name),
            entry.RunId,
            entry.Status,
            entry.StartedUtc,
            entry.StoppedUtc,
            (long)Math.Max(0, ((entry.StoppedUtc ?? nowUtc) - entry.StartedUtc).TotalMilliseconds),
            Average(progress, static p => p.InputRowsPerSecond),
            Average(progress, static p => p.ProcessedRowsPerSecond),
            progress.Count == 0 ? null : progress[^1].BatchId,
            SecretRedactor.Redact(entry.Exception));
    }

    // Spark's tab averages the rates it knows (not NaN) over the recent progress.
    private static double? Average(IReadOnlyList<StreamingQueryProgress> progress, Func<StreamingQueryProgress, double> rate)
    {
        var known = progress.Select(rate).Where(double.IsFinite).ToList();
        return known.Count == 0 ? null : known.Average();
    }
}

/// <summary>Everything the page of one query shows: its summary, runs, checkpoint, plan, stage graph and recent progress (Spark's JSON).</summary>
internal sealed record QueryDetail(
    QuerySummary Summary,
    string CheckpointLocation,
    IReadOnlyList<Guid> RunIds,
    string? Explain,
    JsonElement? StageGraph,
    IReadOnlyList<JsonElement> RecentProgress)
{
    public static QueryDetail Of(QueryCatalogEntry entry, DateTime nowUtc) => new(
        QuerySummary.Of(entry, nowUtc),
        SecretRedactor.Redact(entry.CheckpointLocation)!,
        entry.RunIds,
        SecretRedactor.Redact(entry.Explain),
        entry.StageGraph is { } graph ? JsonElement.Parse(graph) : null,
        // A source's description is the connector's own text: masked too.
        entry.RecentProgress.Select(p => JsonElement.Parse(SecretRedactor.Redact(p)!)).ToList());
}
