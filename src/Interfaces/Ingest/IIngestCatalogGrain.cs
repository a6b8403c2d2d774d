namespace OrleansStream.Interfaces.Ingest;

/// <summary>Declares and describes ingests (key: the ingest's name); the declaration lives in the checkpoint store.</summary>
[Alias("OrleansStream.IIngestCatalogGrain")]
public interface IIngestCatalogGrain : IGrainWithStringKey
{
    /// <summary>Declares the ingest, or returns its declaration when it exists with the same schema and partitions.</summary>
    /// <exception cref="ArgumentException">The declaration is not valid, or the ingest exists with another schema or partition count.</exception>
    [Alias("Declare")] Task<IngestDescription> DeclareAsync(IngestDescription declaration);

    /// <summary>The ingest's declaration.</summary>
    /// <exception cref="ArgumentException">No ingest of this name was declared.</exception>
    [Alias("Describe")] Task<IngestDescription> DescribeAsync();
}

/// <summary>An ingest's declaration as the SDK sees it.</summary>
/// <param name="Name">The ingest's name.</param>
/// <param name="SchemaDdl">Its schema as Spark DDL.</param>
/// <param name="Partitions">How many partitions share its appends.</param>
/// <param name="Retention">How long segments are kept at least.</param>
[GenerateSerializer, Immutable, Alias("OrleansStream.IngestDescription")]
public sealed record IngestDescription([property: Id(0)] string Name, [property: Id(1)] string SchemaDdl, [property: Id(2)] int Partitions, [property: Id(3)] TimeSpan Retention);
