using Apache.Arrow;
using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Logical;

namespace OrleansStream.Benchmarks.Nexmark.Prebuilt;

/// <summary>
/// The <c>prebuilt</c> source (see <see cref="PrebuiltStreamSource"/>): registered on the benchmark's embedded silo only
/// (<c>AddSource&lt;PrebuiltSourceProvider&gt;()</c> with a <see cref="PrebuiltTables"/> singleton), since its data lives in
/// this process's memory.
/// </summary>
public sealed class PrebuiltSourceProvider(PrebuiltTables tables) : ISourceProvider
{
    /// <inheritdoc/>
    public IReadOnlyCollection<string> Formats { get; } = ["prebuilt"];

    /// <inheritdoc/>
    public Schema ResolveSchema(SourceRelation source, SourceContext context)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.SchemaDdl is not null) throw new ArgumentException("The prebuilt source does not take a user-specified schema: its table's batches fix it.");
        return Table(source).Schema;
    }

    /// <inheritdoc/>
    public IStreamSource CreateStream(SourceRelation source, SourceContext context)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(context);
        return new PrebuiltStreamSource(Table(source), new ReaderOptions(source.Options), context.Time, context.MemoryBudgetBytes);
    }

    private PrebuiltTable Table(SourceRelation source) =>
        tables.Get(new ReaderOptions(source.Options).Get("name") ?? throw new ArgumentException("The prebuilt source needs option 'name' (the prebuilt table to read)."));
}
