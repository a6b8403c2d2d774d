using Apache.Arrow;
using Microsoft.Extensions.DependencyInjection;
using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Logical;
using OrleansStream.Plan.Types;

namespace OrleansStream.Grains.Connectors;

/// <summary>The <c>memory</c> source: a session's memory stream (<c>CreateMemoryStream</c>), kept by a memory-stream grain.</summary>
public sealed class MemorySourceProvider : ISourceProvider
{
    /// <inheritdoc/>
    public IReadOnlyCollection<string> Formats { get; } = ["memory"];

    /// <inheritdoc/>
    public Schema ResolveSchema(SourceRelation source, SourceContext context)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.SchemaDdl is { } ddl ? DataTypes.ParseSchema(ddl)
            : throw new ArgumentException("Schema must be specified when creating a streaming source DataFrame (memory): call .Schema(...) on the reader.");
    }

    /// <inheritdoc/>
    public IStreamSource CreateStream(SourceRelation source, SourceContext context)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(context);
        var grains = context.Services?.GetRequiredService<IGrainFactory>() ?? throw new InvalidOperationException("The memory source runs only in a silo.");
        var schema = source.SchemaDdl is { } ddl ? DataTypes.ParseSchema(ddl) : throw new ArgumentException("The memory source needs a schema.");
        return new MemoryStreamSource(grains, Required(source, "session"), Required(source, "streamId"), schema);
    }

    private static string Required(SourceRelation source, string name) =>
        source.Options.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v : throw new ArgumentException($"Option '{name}' is required by the memory source.");
}
