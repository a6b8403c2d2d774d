using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OrleansStream.Engine.Connectors.Console;
using OrleansStream.Engine.Connectors.Files;
using OrleansStream.Engine.Connectors.Nexmark;
using OrleansStream.Engine.Connectors.Noop;
using OrleansStream.Engine.Connectors.Rate;
using OrleansStream.Engine.Connectors.Redis;

namespace OrleansStream.Engine.Connectors;

/// <summary>Registers source and sink connectors by format name (the <see cref="IServiceCollection"/> layer).</summary>
public static class ConnectorServiceCollectionExtensions
{
    /// <summary>Adds source connector <typeparamref name="T"/> (a singleton) under its <see cref="ISourceProvider.Formats"/>.</summary>
    public static IServiceCollection AddSource<T>(this IServiceCollection services) where T : class, ISourceProvider
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISourceProvider, T>());
        services.TryAddSingleton<ConnectorRegistry>();
        return services;
    }

    /// <summary>Adds sink connector <typeparamref name="T"/> (a singleton) under its <see cref="ISinkProvider.Formats"/>.</summary>
    public static IServiceCollection AddSink<T>(this IServiceCollection services) where T : class, ISinkProvider
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISinkProvider, T>());
        services.TryAddSingleton<ConnectorRegistry>();
        return services;
    }

    /// <summary>Adds the engine's own connectors: file formats (json, csv, text, parquet), rate, rate-micro-batch, nexmark, redis-streams, console and noop.</summary>
    public static IServiceCollection AddBuiltInConnectors(this IServiceCollection services) => services
        .AddSource<FileSourceProvider>()
        .AddSource<RateSourceProvider>()
        .AddSource<NexmarkSourceProvider>()
        .AddSource<RedisStreamsSourceProvider>()
        .AddSink<FileSinkProvider>()
        .AddSink<ConsoleSinkProvider>()
        .AddSink<NoopSinkProvider>();
}
