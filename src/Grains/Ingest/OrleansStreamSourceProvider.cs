using Apache.Arrow;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Connectors.Ingest;

namespace OrleansStream.Grains.Ingest;

/// <summary>
/// The <c>orleans-stream</c> source: <c>ReadStream.Format("orleans-stream").Option("provider", "memory").Load("clicks")</c>
/// reads the ingest that namespace "clicks" of stream provider "memory" is bound to (<c>AddStreamIngest</c>): the stream's
/// items pass through the durable log, so the query is replayable and exactly-once. A namespace that is not bound fails at start.
/// </summary>
public sealed class OrleansStreamSourceProvider : ISourceProvider
{
    /// <inheritdoc/>
    public IReadOnlyCollection<string> Formats { get; } = ["orleans-stream"];

    /// <inheritdoc/>
    public Schema ResolveSchema(SourceRelation source, SourceContext context) => IngestSourceProvider.Open(Ingest(source, context), source, context).Schema;

    /// <inheritdoc/>
    public IStreamSource CreateStream(SourceRelation source, SourceContext context) => IngestSourceProvider.CreateStream(Ingest(source, context), source, context);

    // The binding's ingest, declared here when no item has arrived yet, so that a query may start before the first item.
    private static string Ingest(SourceRelation source, SourceContext context)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(context);
        var provider = source.Options.TryGetValue("provider", out var p) && !string.IsNullOrWhiteSpace(p) ? p
            : throw new ArgumentException("Option 'provider' is required by the orleans-stream source: the name of the Orleans stream provider.");
        var streamNamespace = source.Options.TryGetValue("path", out var ns) && !string.IsNullOrWhiteSpace(ns) ? ns
            : source.Options.TryGetValue("namespace", out ns) && !string.IsNullOrWhiteSpace(ns) ? ns
            : throw new ArgumentException("The orleans-stream source needs the stream namespace: Load(\"<namespace>\") or Option(\"namespace\", ...).");
        var services = context.Services ?? throw new InvalidOperationException("The orleans-stream source runs only in a silo.");
        var binding = services.GetRequiredService<IOptions<StreamIngestOptions>>().Value.Find(provider, streamNamespace)
            ?? throw new ArgumentException($"Orleans stream namespace '{streamNamespace}' of provider '{provider}' is not bound to an ingest: "
                + "configure it on every silo with AddStreamIngest(provider, namespace, schema).");
        IngestCatalog.DeclareAsync(services.GetRequiredService<ICheckpointStore>(), binding.Declaration, CancellationToken.None).GetAwaiter().GetResult();
        return binding.Ingest;
    }
}
