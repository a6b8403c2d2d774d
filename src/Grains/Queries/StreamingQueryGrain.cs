using Microsoft.Extensions.Logging;
using OrleansStream.Interfaces.Hosting;
using OrleansStream.Engine.Planning.Physical;
using OrleansStream.Grains.Execution;
using OrleansStream.Grains.Hosting;
using OrleansStream.Engine.Connectors;
using OrleansStream.Grains.Connectors;
using OrleansStream.Interfaces.Execution;
using OrleansStream.Interfaces.Queries;

namespace OrleansStream.Grains.Queries;

/// <summary>
/// A query, keyed by its checkpoint location: validates what the client asks for before anything is written,
/// keeps the query id (stable across restarts) and run history, and starts and stops runs of its trigger.
/// </summary>
internal sealed partial class StreamingQueryGrain(
    [PersistentState("query", OrleansStreamSiloBuilderExtensions.CheckpointStorageName)] IPersistentState<QueryState> state,
    ConnectorFactory connectors,
    PathResolver paths,
    TimeProvider time,
    ILogger<StreamingQueryGrain> logger) : Grain, IStreamingQueryGrain
{
    // User code runs on every silo (a stage's partitions spread over them): a query whose processor some active silo cannot
    // create is refused before it starts, naming the type and the silo.
    private async Task CheckUserCodeAsync(CompiledQuery compiled)
    {
        var code = compiled.Physical.KeyedStages.Select(s => s.Operator).OfType<TransformWithStateOperatorSpec>().Select(o => (Type: o.ProcessorType, Kind: "stateful processor", Add: "AddStatefulProcessor<T>()"))
            .Concat(compiled.Physical.KeyedStages.Select(s => s.Operator).OfType<FlatMapGroupsWithStateOperatorSpec>().Select(o => (Type: o.FunctionType, Kind: "function", Add: "AddGroupsWithStateFunction<T>()")))
            .DistinctBy(c => c.Type).ToList();
        var types = code.Select(c => c.Type).ToList();
        if (types.Count == 0) return;
        var hosts = await GrainFactory.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        foreach (var host in hosts.Keys.OrderBy(h => h.ToParsableString(), StringComparer.Ordinal))
        {
            var catalog = GrainFactory.GetGrain<ISiloCodeCatalogGrain>(host.ToParsableString());
            var missing = await catalog.MissingProcessorsAsync(types);
            if (missing.Count > 0)
            {
                var first = code.First(c => c.Type == missing[0]);
                throw new InvalidOperationException($"The {first.Kind} {missing[0]} is not registered on silo {await catalog.SiloNameAsync()}: add it with {first.Add} on every silo that runs the query.");
            }
        }
    }

    private ITriggerGrain Trigger => GrainFactory.GetGrain<ITriggerGrain>(this.GetPrimaryKeyString());

    public async Task<QueryStartInfo> StartAsync(QuerySpec spec, IQueryObserver? observer, CancellationToken cancellationToken = default)
    {
        // Refuse a query that cannot run before the checkpoint holds anything of it.
        var compiled = await CompiledQuery.CompileAsync(spec, connectors, paths, cancellationToken: cancellationToken);
        foreach (var (_, source) in compiled.Sources) await source.ValidateAsync(cancellationToken);
        await CheckUserCodeAsync(compiled);
        if (state.State.Id == Guid.Empty)
        {
            state.State.Id = Guid.NewGuid();
            await state.WriteStateAsync();
        }
        await compiled.SinkConnector.OnQueryStartAsync(new SinkQueryStart(state.State.Id, spec.CheckpointLocation, Restarted: state.State.Runs.Count > 0), cancellationToken);
        // The trigger refuses a second active run, and takes over one the cluster resumed by itself (its client is gone).
        var runId = Guid.NewGuid();
        await Trigger.StartRunAsync(new RunRequest(state.State.Id, runId, spec, observer));
        state.State.Runs.Add(new RunRecord(runId, time.GetUtcNow().UtcDateTime, spec.QueryName));
        state.State.Spec = spec;
        await state.WriteStateAsync();
        LogInformationStarted(logger, this.GetPrimaryKeyString(), state.State.Id, runId);
        await RecordInCatalogAsync(new QueryRunStarted(state.State.Id, runId, spec.QueryName, spec.CheckpointLocation, state.State.Runs[^1].StartedUtc, spec.Explain,
            StageGraphJson.Write(compiled.Physical, spec.SinkFormat)));
        return new QueryStartInfo(state.State.Id, runId, spec.QueryName);
    }

    public Task StopAsync(CancellationToken cancellationToken = default) => Trigger.StopRunAsync();
    public Task<QueryStatus> GetStatusAsync() => Trigger.GetStatusAsync();
    public Task<IReadOnlyList<string>> GetRecentProgressAsync() => Trigger.GetRecentProgressAsync();
    public Task<long> MarkAvailableAsync() => Trigger.MarkAvailableAsync();
    public Task<bool> WaitForTicketAsync(long ticket, TimeSpan maxWait) => Trigger.WaitForTicketAsync(ticket, maxWait);

    // The run has started: a catalog that cannot be written must not fail it, only be noted.
    private async Task RecordInCatalogAsync(QueryRunStarted started)
    {
        try
        {
            await GrainFactory.GetGrain<IQueryCatalogGrain>(IQueryCatalogGrain.ClusterKey).RunStartedAsync(started);
        }
        catch (Exception ex) when (ex is OrleansException or IOException or TimeoutException)
        {
            LogWarningCatalog(logger, ex, this.GetPrimaryKeyString());
        }
    }

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Query {Query} started but the query catalog could not record it")]
    private static partial void LogWarningCatalog(ILogger logger, Exception exception, string query);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Query {Query} (id {QueryId}) started run {RunId}")]
    private static partial void LogInformationStarted(ILogger logger, string query, Guid queryId, Guid runId);
}

/// <summary>The query's part of the checkpoint.</summary>
[GenerateSerializer, Alias("OrleansStream.QueryState")]
public sealed class QueryState
{
    /// <summary>The query id, fixed at the first start from this checkpoint.</summary>
    [Id(0)] public Guid Id { get; set; }
    /// <summary>The spec of the latest run.</summary>
    [Id(1)] public QuerySpec? Spec { get; set; }
    /// <summary>Every run started from this checkpoint.</summary>
    [Id(2)] public List<RunRecord> Runs { get; set; } = new();
}

/// <summary>One run in the history.</summary>
[GenerateSerializer, Immutable, Alias("OrleansStream.RunRecord")]
public sealed record RunRecord([property: Id(0)] Guid RunId, [property: Id(1)] DateTime StartedUtc, [property: Id(2)] string? Name);
