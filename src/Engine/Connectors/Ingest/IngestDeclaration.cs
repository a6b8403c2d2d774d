using OrleansStream.Plan.Types;
namespace OrleansStream.Engine.Connectors.Ingest;

/// <summary>
/// A declared ingest: a named, partitioned, durable log of rows of one schema that services append to through the SDK and
/// queries read with <c>ReadStream.Format("ingest")</c>. Persisted once in the checkpoint store (create-if-absent).
/// </summary>
/// <param name="Name">The ingest's name (letters, digits, '-', '_' and '.').</param>
/// <param name="SchemaDdl">The declared schema as Spark DDL; every appended row must match it.</param>
/// <param name="Partitions">How many partition logs (and ingest grains) share the ingest's appends.</param>
/// <param name="RetentionMs">How long a segment is kept at least; older ones go once every reading query has committed past them.</param>
public sealed record IngestDeclaration(string Name, string SchemaDdl, int Partitions, long RetentionMs)
{
    /// <summary>Seven days, as Kafka's default log.retention.hours.</summary>
    public const long DefaultRetentionMs = 7L * 24 * 3600 * 1000;

    /// <summary>Throws naming the first field that is not valid.</summary>
    /// <exception cref="ArgumentException">The name, schema, partition count or retention is not valid.</exception>
    public void Validate()
    {
        IngestCatalog.ValidateName(Name);
        try
        {
            DataTypes.ParseSchema(SchemaDdl);
        }
        catch (Exception e) when (e is not ArgumentNullException)
        {
            throw new ArgumentException($"Ingest '{Name}': schema '{SchemaDdl}' is not valid DDL: {e.Message}", nameof(SchemaDdl), e);
        }
        if (Partitions is < 1 or > 1024) throw new ArgumentException($"Ingest '{Name}': partitions must be between 1 and 1024, not {Partitions}.", nameof(Partitions));
        if (RetentionMs < 0) throw new ArgumentException($"Ingest '{Name}': retention must not be negative.", nameof(RetentionMs));
    }
}
