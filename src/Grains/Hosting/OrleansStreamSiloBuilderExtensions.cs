using OrleansStream.Engine.Operators.Stateful;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Connectors;
using OrleansStream.Grains.Connectors;
using OrleansStream.Grains.Execution;
using OrleansStream.Grains.Sources;
using OrleansStream.Grains.Storage;

namespace OrleansStream.Grains.Hosting;

/// <summary>Registers the OrleansStream engine in a silo.</summary>
public static class OrleansStreamSiloBuilderExtensions
{
    /// <summary>The name of the grain-storage provider that holds every checkpoint record.</summary>
    public const string CheckpointStorageName = "checkpoints";

    /// <summary>
    /// Adds the engine's grains' services and the <c>checkpoints</c> grain storage over the checkpoint store chosen by
    /// <see cref="OrleansStreamOptions.Checkpoints"/>: the file system under <see cref="OrleansStreamOptions.DataDirectory"/> (default)
    /// or Azure Blob Storage. The options are validated when the host starts.
    /// </summary>
    public static ISiloBuilder AddOrleansStream(this ISiloBuilder builder, Action<OrleansStreamOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOrleansStream(configure);
        return builder;
    }

    /// <summary>The <see cref="IServiceCollection"/> layer of <see cref="AddOrleansStream(ISiloBuilder, Action{OrleansStreamOptions}?)"/>.</summary>
    public static IServiceCollection AddOrleansStream(this IServiceCollection services, Action<OrleansStreamOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<OrleansStreamOptions>();
        if (configure is not null) options.Configure(configure);
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OrleansStreamOptions>, OrleansStreamOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new CheckpointStoreHealth(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(CreateCheckpointStore);
        services.AddKeyedSingleton<IGrainStorage>(CheckpointStorageName, (sp, key) => new CheckpointGrainStorage(
            CheckpointStorageName,
            sp.GetRequiredService<ICheckpointStore>(),
            new CheckpointStateSerializer(sp.GetRequiredService<Serializer>(), sp.GetRequiredService<IGrainStorageSerializer>()),
            sp.GetRequiredService<ILogger<CheckpointGrainStorage>>()));
        services.AddBuiltInConnectors()
            .AddSource<MemorySourceProvider>()
            .AddSource<MemoryTableSourceProvider>()
            .AddSource<StateStoreSourceProvider>()
            .AddSink<MemorySinkProvider>()
            .AddSink<ForeachBatchSinkProvider>()
            .AddSource<OrleansStream.Grains.Ingest.IngestSourceProvider>()
            .AddSource<OrleansStream.Grains.Ingest.OrleansStreamSourceProvider>()
            .AddSink<OrleansStream.Grains.Ingest.OrleansStreamSinkProvider>()
            .AddSink<SubscriptionSinkProvider>();
        services.AddOptions<OrleansStream.Grains.Ingest.IngestGrainOptions>();
        services.AddStatefulProcessorFactory();
        services.AddPlacementDirector<OrleansStream.Grains.Placement.SiloTargetedPlacement, OrleansStream.Grains.Placement.SiloTargetedPlacementDirector>();
        // Refusals name the silo that lacks a processor.
        services.AddSingleton(sp => new StatefulProcessorOptions { HostName = sp.GetRequiredService<ILocalSiloDetails>().Name });
        services.TryAddSingleton<ConnectorFactory>();
        services.TryAddSingleton<PathResolver>();
        services.TryAddSingleton<IEpochHooks, NoEpochHooks>();
        return services;
    }

    // Options.Value runs the validator, so an invalid configuration fails here too when no host validated it at start.
    private static ICheckpointStore CreateCheckpointStore(IServiceProvider sp)
    {
        var options = sp.GetRequiredService<IOptions<OrleansStreamOptions>>().Value;
        if (!OrleansStreamOptionsValidator.IsProvider(options.Checkpoints.Provider, CheckpointStorageOptions.AzureBlobProvider))
            return new FileSystemCheckpointStore(Path.Combine(options.DataDirectory, "checkpoints"));
        return AzureBlobCheckpointStore.Create(options.Checkpoints.AzureBlob, StorageRetrySettings.From(options.Checkpoints),
            sp.GetRequiredService<CheckpointStoreHealth>(), sp.GetRequiredService<ILogger<AzureBlobCheckpointStore>>());
    }
}
