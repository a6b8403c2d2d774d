using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Grains.Sources;
using OrleansStream.Grains.Storage;

namespace OrleansStream.Grains.Hosting;

/// <summary>Registers the OrleansStream engine in a silo.</summary>
public static class OrleansStreamSiloBuilderExtensions
{
    /// <summary>The name of the grain-storage provider that holds every checkpoint record.</summary>
    public const string CheckpointStorageName = "checkpoints";

    /// <summary>Adds the engine's grains' services and a file-system <c>checkpoints</c> store under <see cref="OrleansStreamOptions.DataDirectory"/>.</summary>
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
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ICheckpointStore>(sp =>
            new FileSystemCheckpointStore(Path.Combine(sp.GetRequiredService<IOptions<OrleansStreamOptions>>().Value.DataDirectory, "checkpoints")));
        services.AddKeyedSingleton<IGrainStorage>(CheckpointStorageName, (sp, key) => new CheckpointGrainStorage(
            CheckpointStorageName,
            sp.GetRequiredService<ICheckpointStore>(),
            sp.GetRequiredService<IGrainStorageSerializer>(),
            sp.GetRequiredService<ILogger<CheckpointGrainStorage>>()));
        services.TryAddSingleton<SourceConnectorFactory>();
        services.TryAddSingleton<PathResolver>();
        return services;
    }
}
