using Apache.Arrow;
using Microsoft.Extensions.DependencyInjection;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Connectors.Ingest;
using OrleansStream.Engine.Logical;
using OrleansStream.Plan.Types;

namespace OrleansStream.Grains.Ingest;

/// <summary>
/// The <c>ingest</c> source: <c>ReadStream.Format("ingest").Load("clicks")</c> reads a declared ingest's durable log,
/// replayable by offset, with the declared schema. An unknown ingest fails the query at start.
/// </summary>
public sealed class IngestSourceProvider : ISourceProvider
{
    /// <inheritdoc/>
    public IReadOnlyCollection<string> Formats { get; } = ["ingest"];

    /// <inheritdoc/>
    public Schema ResolveSchema(SourceRelation source, SourceContext context) => Open(Name(source), source, context).Schema;

    /// <inheritdoc/>
    public IStreamSource CreateStream(SourceRelation source, SourceContext context) => CreateStream(Name(source), source, context);

    /// <summary>A stream over ingest <paramref name="name"/>.</summary>
    internal static IStreamSource CreateStream(string name, SourceRelation source, SourceContext context)
    {
        var (declaration, schema) = Open(name, source, context);
        var grains = context.Services!.GetRequiredService<IGrainFactory>();
        return new IngestStreamSource(grains, Store(context), declaration, schema, context.Checkpoints is null ? null : context.MetadataPrefix);
    }

    // The declaration is small and read once per query start on this silo: blocking here keeps ResolveSchema synchronous,
    // as the engine's contract has it.
    internal static (IngestDeclaration Declaration, Schema Schema) Open(string name, SourceRelation source, SourceContext context)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(context);
        var declaration = IngestCatalog.RequireAsync(Store(context), name, CancellationToken.None).GetAwaiter().GetResult();
        var schema = DataTypes.ParseSchema(declaration.SchemaDdl);
        if (source.SchemaDdl is { } given && DataTypes.ToDdl(DataTypes.ParseSchema(given)) != declaration.SchemaDdl)
            throw new ArgumentException($"Ingest '{name}' is declared with schema '{declaration.SchemaDdl}'; the reader's schema '{given}' differs (leave it out).");
        return (declaration, schema);
    }

    private static string Name(SourceRelation source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.Options.TryGetValue("path", out var path) && !string.IsNullOrWhiteSpace(path) ? path
            : source.Options.TryGetValue("name", out var n) && !string.IsNullOrWhiteSpace(n) ? n
            : throw new ArgumentException("The ingest source needs the ingest's name: ReadStream.Format(\"ingest\").Load(\"<name>\").");
    }

    private static ICheckpointStore Store(SourceContext context) => context.Checkpoints
        ?? context.Services?.GetService<ICheckpointStore>()
        ?? throw new InvalidOperationException("The ingest source runs only in a silo.");
}
