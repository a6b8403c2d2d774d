using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Connectors.Ingest;
using OrleansStream.Interfaces.Ingest;

namespace OrleansStream.Grains.Ingest;

/// <summary>Declares ingests in the checkpoint store; stateless, since the store's create-if-absent write decides.</summary>
[StatelessWorker]
internal sealed class IngestCatalogGrain(ICheckpointStore store) : Grain, IIngestCatalogGrain
{
    public async Task<IngestDescription> DeclareAsync(IngestDescription declaration)
    {
        ArgumentNullException.ThrowIfNull(declaration);
        var stored = await IngestCatalog.DeclareAsync(store, new IngestDeclaration(declaration.Name, declaration.SchemaDdl, declaration.Partitions,
            (long)declaration.Retention.TotalMilliseconds), CancellationToken.None);
        return Describe(stored);
    }

    public async Task<IngestDescription> DescribeAsync() =>
        Describe(await IngestCatalog.RequireAsync(store, this.GetPrimaryKeyString(), CancellationToken.None));

    private static IngestDescription Describe(IngestDeclaration d) => new(d.Name, d.SchemaDdl, d.Partitions, TimeSpan.FromMilliseconds(d.RetentionMs));
}
