using OrleansStream.Engine.Connectors;

namespace OrleansStream.Grains.Hosting;

/// <summary>Registers source and sink connectors in a silo (the <see cref="ISiloBuilder"/> layer of <see cref="ConnectorServiceCollectionExtensions"/>).</summary>
public static class ConnectorSiloBuilderExtensions
{
    /// <summary>Adds source connector <typeparamref name="T"/> under its format names; queries that read them work on this silo.</summary>
    public static ISiloBuilder AddSource<T>(this ISiloBuilder builder) where T : class, ISourceProvider
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSource<T>();
        return builder;
    }

    /// <summary>Adds sink connector <typeparamref name="T"/> under its format names; queries that write them work on this silo.</summary>
    public static ISiloBuilder AddSink<T>(this ISiloBuilder builder) where T : class, ISinkProvider
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSink<T>();
        return builder;
    }
}
