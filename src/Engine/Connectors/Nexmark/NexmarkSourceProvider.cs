using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Sources.Nexmark;

namespace OrleansStream.Engine.Connectors.Nexmark;

/// <summary>The <c>nexmark</c> source (see <see cref="NexmarkStreamSource"/>).</summary>
public sealed class NexmarkSourceProvider : ISourceProvider
{
    /// <inheritdoc/>
    public IReadOnlyCollection<string> Formats { get; } = ["nexmark"];

    /// <inheritdoc/>
    public Schema ResolveSchema(SourceRelation source, SourceContext context)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.SchemaDdl is null
            ? NexmarkSchemas.Of(new ReaderOptions(source.Options).Get("table")?.Trim() ?? "bid")
            : throw new ArgumentException("The nexmark source does not take a user-specified schema: its tables' columns are fixed (the planner reads only the columns a query uses).");
    }

    /// <inheritdoc/>
    public IStreamSource CreateStream(SourceRelation source, SourceContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new NexmarkStreamSource(ResolveSchema(source, context), source.Options, context.Time, context.MemoryBudgetBytes,
            ArrowBufferPool.Of(context.Services));
    }
}
