using Microsoft.Extensions.DependencyInjection;
using Orleans.Streams;

namespace OrleansStream.Grains.Ingest;

/// <summary>Binds Orleans stream namespaces to ingests, so that queries read them with <c>ReadStream.Format("orleans-stream")</c>.</summary>
public static class StreamIngestSiloBuilderExtensions
{
    /// <summary>
    /// Appends every item published to <paramref name="streamNamespace"/> of stream provider <paramref name="provider"/> (an
    /// Arrow IPC <c>byte[]</c> batch, an <c>object?[]</c> row, a list of such rows, or a record mapped by property names) to
    /// ingest <paramref name="ingest"/> (default: the namespace), declared with <paramref name="schemaDdl"/>: durable and
    /// acknowledged before the stream's next item is delivered. Configure it on every silo.
    /// </summary>
    public static ISiloBuilder AddStreamIngest(this ISiloBuilder builder, string provider, string streamNamespace, string schemaDdl, string? ingest = null, int partitions = 4)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(provider);
        ArgumentException.ThrowIfNullOrWhiteSpace(streamNamespace);
        ArgumentException.ThrowIfNullOrWhiteSpace(schemaDdl);
        builder.Services.Configure<StreamIngestOptions>(o => o.Bindings.Add(new StreamIngestBinding(provider, streamNamespace, ingest ?? streamNamespace, schemaDdl, partitions)));
        if (!builder.Services.Any(s => s.ImplementationType == typeof(BoundNamespacesPredicateProvider)))
            builder.Services.AddSingleton<IStreamNamespacePredicateProvider, BoundNamespacesPredicateProvider>();
        return builder;
    }
}
