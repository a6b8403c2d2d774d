using Apache.Arrow;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.State.Reading;
using OrleansStream.Grains.Execution;
using OrleansStream.Grains.Hosting;
using OrleansStream.Grains.Queries;
using OrleansStream.Interfaces.Execution;
using OrleansStream.Interfaces.Queries;
using OrleansStream.Plan;

namespace OrleansStream.Grains.Connectors;

/// <summary>
/// The <c>statestore</c> and <c>state-metadata</c> batch sources (Spark's state data source): <c>Load(checkpointLocation)</c>
/// reads the query's plan and its trigger's committed logs from the <c>checkpoints</c> grain storage without activating
/// either grain (a stopped query stays stopped; a running one is not disturbed), then the engine's
/// <see cref="StateTableReader"/> or <see cref="StateMetadataReader"/> reads the committed state versions from the checkpoint
/// store, whichever backend holds them.
/// </summary>
public sealed class StateStoreSourceProvider : ISourceProvider
{
    /// <inheritdoc/>
    public IReadOnlyCollection<string> Formats { get; } = ["statestore", "state-metadata"];

    /// <inheritdoc/>
    /// <remarks>Asked only of streams (a batch source's schema comes from <see cref="OpenBatchAsync"/>), which this is not.</remarks>
    public Schema ResolveSchema(SourceRelation source, SourceContext context) => throw NotAStream(source);

    /// <inheritdoc/>
    public IStreamSource CreateStream(SourceRelation source, SourceContext context) => throw NotAStream(source);

    /// <inheritdoc/>
    public async Task<IBatchSource> OpenBatchAsync(SourceRelation source, SourceContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(context);
        var services = context.Services ?? throw new InvalidOperationException("The state data source reads checkpoints only in a silo.");
        var options = StateSourceOptions.Parse(source.Options);
        var checkpoint = await ReadCheckpointAsync(services, options, cancellationToken);
        var store = services.GetRequiredService<ICheckpointStore>();
        var table = string.Equals(source.Format, "state-metadata", StringComparison.OrdinalIgnoreCase)
            ? await new StateMetadataReader(store, services).ReadAsync(checkpoint, cancellationToken)
            : await new StateTableReader(store, services).ReadAsync(checkpoint, options, cancellationToken);
        return new Table(table);
    }

    private static async Task<StateCheckpoint> ReadCheckpointAsync(IServiceProvider services, StateSourceOptions options, CancellationToken cancellationToken)
    {
        var paths = services.GetRequiredService<PathResolver>();
        string key;
        try
        {
            key = paths.CheckpointKey(options.CheckpointLocation);
        }
        catch (ArgumentException e)
        {
            throw StateDataSourceErrors.InvalidOptionValue(StateSourceOptions.PathOption, e.Message);
        }
        var grains = services.GetRequiredService<IGrainFactory>();
        var storage = services.GetRequiredKeyedService<IGrainStorage>(OrleansStreamSiloBuilderExtensions.CheckpointStorageName);
        var query = new GrainState<QueryState>();
        await storage.ReadStateAsync("query", grains.GetGrain<IStreamingQueryGrain>(key).GetGrainId(), query);
        var trigger = new GrainState<TriggerState>();
        await storage.ReadStateAsync("trigger", grains.GetGrain<ITriggerGrain>(key).GetGrainId(), trigger);
        if (query.State?.Spec is not { } spec || trigger.State is not { LastCommitted: >= 0 } records)
            throw StateDataSourceErrors.CommittedBatchUnavailable(options.CheckpointLocation);
        var compiled = await CompiledQuery.CompileAsync(spec, services.GetRequiredService<ConnectorFactory>(), paths, cancellationToken: cancellationToken);
        return new StateCheckpoint(options.CheckpointLocation, key, compiled.Physical, spec.OutputMode.ToLowerInvariant(), records.NumKeyGroups,
            records.LastCommitted, records.StatePartitions,
            records.Offsets.ToDictionary(kv => kv.Key, kv => (IReadOnlyDictionary<int, int>)kv.Value.StatePartitions));
    }

    // Spark: the state data source has no streaming read.
    private static NotSupportedException NotAStream(SourceRelation source) =>
        new($"Data source '{source?.Format}' does not support streamed reading: read the state with Read, not ReadStream.");

    private sealed class Table(RecordBatch batch) : IBatchSource
    {
        public Schema Schema => batch.Schema;

        public IEnumerable<RecordBatch> Read(Schema columns) => [batch];
    }
}
