namespace OrleansStream.Interfaces.Queries;

/// <summary>
/// Every query of the cluster (DESIGN §4): its id, name, runs, status, recent progress and the error of a failed run,
/// persisted in the checkpoint store and bounded in size. The SDK, the CLI and the UI list and describe queries through it.
/// </summary>
[Alias("OrleansStream.IQueryCatalogGrain")]
public interface IQueryCatalogGrain : IGrainWithStringKey
{
    /// <summary>The key of the cluster's one catalog.</summary>
    const string ClusterKey = "cluster";

    /// <summary>Records that a run of a query started.</summary>
    [Alias("RunStarted")] Task RunStartedAsync(QueryRunStarted started);
    /// <summary>Adds one progress report (Spark's JSON) of a run; one-way, so that the epoch never waits for the catalog.</summary>
    [OneWay, Alias("RunProgress")] Task RunProgressAsync(Guid queryId, Guid runId, string progressJson);
    /// <summary>Records that a run ended: stopped (<paramref name="error"/> null) or failed with <paramref name="error"/>.</summary>
    [OneWay, Alias("RunStopped")] Task RunStoppedAsync(Guid queryId, Guid runId, string? error);
    /// <summary>Every query known, most recently started first.</summary>
    [AlwaysInterleave, Alias("List")] Task<IReadOnlyList<QueryCatalogEntry>> ListAsync();
    /// <summary>The query whose id, name or checkpoint location is <paramref name="nameOrId"/> (the most recently started of a name), or null.</summary>
    [AlwaysInterleave, Alias("Find")] Task<QueryCatalogEntry?> FindAsync(string nameOrId);
}

/// <summary>A run that has just started, as the query grain tells the catalog.</summary>
[GenerateSerializer, Immutable, Alias("OrleansStream.QueryRunStarted")]
public sealed record QueryRunStarted(
    [property: Id(0)] Guid QueryId,
    [property: Id(1)] Guid RunId,
    [property: Id(2)] string? Name,
    [property: Id(3)] string CheckpointLocation,
    [property: Id(4)] DateTime StartedUtc,
    [property: Id(5)] string? Explain,
    [property: Id(6)] string? StageGraph = null);

/// <summary>What the catalog knows of one query.</summary>
[GenerateSerializer, Alias("OrleansStream.QueryCatalogEntry")]
public sealed class QueryCatalogEntry
{
    /// <summary>The query id (stable across restarts from the same checkpoint).</summary>
    [Id(0)] public Guid Id { get; set; }
    /// <summary>The name of the latest run, or null.</summary>
    [Id(1)] public string? Name { get; set; }
    /// <summary>The checkpoint location, which keys the query's grains.</summary>
    [Id(2)] public string CheckpointLocation { get; set; } = "";
    /// <summary>Every run id, oldest first.</summary>
    [Id(3)] public List<Guid> RunIds { get; set; } = new();
    /// <summary>"Active", "Stopped" or "Failed".</summary>
    [Id(4)] public string Status { get; set; } = QueryCatalogStatus.Active;
    /// <summary>When the latest run started (UTC).</summary>
    [Id(5)] public DateTime StartedUtc { get; set; }
    /// <summary>When the latest run ended (UTC), or null while it runs.</summary>
    [Id(6)] public DateTime? StoppedUtc { get; set; }
    /// <summary>The most recent progress reports of the latest run (Spark's JSON), oldest first, bounded.</summary>
    [Id(7)] public List<string> RecentProgress { get; set; } = new();
    /// <summary>The error that failed the latest run, or null.</summary>
    [Id(8)] public string? Exception { get; set; }
    /// <summary>The plan text of the latest run (as DataFrame.Explain prints it), or null.</summary>
    [Id(9)] public string? Explain { get; set; }
    /// <summary>The stage graph of the latest run (the physical plan's stages as JSON, for the web UI to draw), or null.</summary>
    [Id(10)] public string? StageGraph { get; set; }

    /// <summary>The latest run id.</summary>
    public Guid RunId => RunIds.Count == 0 ? Guid.Empty : RunIds[^1];
    /// <summary>The latest progress report, or null.</summary>
    public string? LastProgress => RecentProgress.Count == 0 ? null : RecentProgress[^1];
}

/// <summary>The values of <see cref="QueryCatalogEntry.Status"/>.</summary>
public static class QueryCatalogStatus
{
    /// <summary>A run is active.</summary>
    public const string Active = "Active";
    /// <summary>The latest run was stopped.</summary>
    public const string Stopped = "Stopped";
    /// <summary>The latest run failed.</summary>
    public const string Failed = "Failed";
}
