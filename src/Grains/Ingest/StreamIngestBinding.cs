namespace OrleansStream.Grains.Ingest;

/// <summary>An Orleans stream namespace whose items go to an ingest (see <see cref="StreamIngestSiloBuilderExtensions.AddStreamIngest"/>).</summary>
/// <param name="Provider">The Orleans stream provider's name.</param>
/// <param name="Namespace">The stream namespace.</param>
/// <param name="Ingest">The ingest its items are appended to (declared with <paramref name="SchemaDdl"/> when first used).</param>
/// <param name="SchemaDdl">The schema of the items' rows.</param>
/// <param name="Partitions">The ingest's partitions.</param>
public sealed record StreamIngestBinding(string Provider, string Namespace, string Ingest, string SchemaDdl, int Partitions)
{
    /// <summary>The ingest's declaration (retention: the default).</summary>
    internal Engine.Connectors.Ingest.IngestDeclaration Declaration =>
        new(Ingest, SchemaDdl, Partitions, Engine.Connectors.Ingest.IngestDeclaration.DefaultRetentionMs);
}
