using Apache.Arrow;
using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Connectors.Files;
using OrleansStream.Engine.Connectors.Nexmark;
using OrleansStream.Engine.Connectors.Rate;
using OrleansStream.Engine.Files;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Types;
using OrleansStream.Grains.Connectors;

namespace OrleansStream.Grains.Sources;

/// <summary>
/// The schema of a source relation outside a silo (the client's own analysis): given by the user, fixed by a built-in
/// format, or (batch file reads only) inferred. In a silo, the connector factory asks the
/// silo's registered connectors instead.
/// </summary>
public static class SourceSchemas
{
    private static readonly ConnectorRegistry BuiltIn = new(
        [new FileSourceProvider(), new RateSourceProvider(), new NexmarkSourceProvider(), new MemorySourceProvider()], []);

    /// <summary>
    /// Resolves the schema of <paramref name="source"/>; throws with the reason when it cannot be known. Inferring it reads
    /// files, which must really lie inside <paramref name="roots"/> when given (a silo's configured file roots).
    /// </summary>
    public static Schema Resolve(SourceRelation source, FileRoots? roots = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        return BuiltIn.TryGetSource(source.Format, out var provider) ? provider.ResolveSchema(source, new SourceContext { FileRoots = roots }) : Unknown(source);
    }

    /// <summary>The schema of a source no connector here knows: the user's, if given (its connector is checked at query start).</summary>
    private static Schema Unknown(SourceRelation source) => source.SchemaDdl is { } ddl ? DataTypes.ParseSchema(ddl)
        : throw new ArgumentException($"Schema must be specified when creating a streaming source DataFrame ({source.Format.ToLowerInvariant()}): call .Schema(...) on the reader.");
}
