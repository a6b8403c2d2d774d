using Azure.Storage.Blobs;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Tests.State;
using OrleansStream.Grains.Storage;
using OrleansStream.Grains.Tests.Infrastructure;

namespace OrleansStream.Grains.Tests.Storage;

/// <summary>State versioning (and the keyed state families' restart and rescale) on the Azure Blob store, against Azurite.</summary>
public sealed class AzureBlobVersionedStateStoreTests : VersionedStateStoreContractTests, IAsyncLifetime
{
    private readonly List<BlobContainerClient> _containers = [];

    protected override ICheckpointStore CreateStore()
    {
        var container = Azurite.NewContainer();
        lock (_containers) _containers.Add(container);
        return new AzureBlobCheckpointStore(container, "cluster-a");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var container in _containers) await container.DeleteIfExistsAsync();
    }
}
