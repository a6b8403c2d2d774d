using Apache.Arrow;
using OrleansStream.Engine.Logical;

namespace OrleansStream.Engine.Connectors;

/// <summary>
/// A source connector as the engine finds it: registered by format name (<c>AddSource&lt;T&gt;()</c>), it fixes the schema of
/// a <see cref="SourceRelation"/> and opens streams over it. One instance serves every query of a silo.
/// </summary>
public interface ISourceProvider
{
    /// <summary>The format names this provider answers to (case-insensitive), as <c>ReadStream.Format(...)</c> names them.</summary>
    IReadOnlyCollection<string> Formats { get; }

    /// <summary>
    /// The schema of <paramref name="source"/>: given by the user, fixed by the format or inferred; throws with the reason
    /// when it cannot be known.
    /// </summary>
    Schema ResolveSchema(SourceRelation source, SourceContext context);

    /// <summary>Opens a replayable stream over <paramref name="source"/> (its options already normalised by the host).</summary>
    /// <exception cref="NotSupportedException">The format cannot be read as a stream.</exception>
    IStreamSource CreateStream(SourceRelation source, SourceContext context);

    /// <summary>
    /// Opens <paramref name="source"/> for a batch query (before it is planned, so that a source whose schema or content
    /// lives elsewhere fetches it here, asynchronously).
    /// </summary>
    /// <exception cref="NotSupportedException">The format cannot be read in a batch query.</exception>
    Task<IBatchSource> OpenBatchAsync(SourceRelation source, SourceContext context, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"Data source '{source.Format}' does not support batch reading.");

    /// <summary>
    /// Opens <paramref name="source"/> (a batch relation whose schema is fixed: given, or pinned when the streaming query was
    /// compiled) as the static side of a streaming query, read again for every epoch at the version the epoch recorded.
    /// </summary>
    /// <exception cref="NotSupportedException">The format cannot be read as a static relation in a streaming query.</exception>
    IStaticSource OpenStatic(SourceRelation source, SourceContext context) =>
        throw new NotSupportedException($"Data source '{source.Format}' cannot be read as a static relation in a streaming query.");
}
