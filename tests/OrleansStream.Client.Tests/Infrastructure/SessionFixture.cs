using OrleansStream.Grains.Hosting;
namespace OrleansStream.Client.Tests.Infrastructure;

/// <summary>One embedded silo shared by the tests of a collection: each test uses its own queries, names and folders.</summary>
public class SessionFixture : IAsyncLifetime
{
    public TempDirectory Data { get; } = new();
    public StreamSession Session { get; private set; } = null!;

    /// <summary>The checkpoint store: the file system under the data directory.</summary>
    protected virtual CheckpointStorageOptions? Checkpoints => null;

    public async Task InitializeAsync() =>
        Session = await StreamSession.StartLocalAsync(new EmbeddedSiloOptions { DataDirectory = Data.Path, Checkpoints = Checkpoints });

    public async Task DisposeAsync()
    {
        await Session.DisposeAsync();
        Data.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class SessionCollection : ICollectionFixture<SessionFixture>
{
    public const string Name = "embedded silo";
}

/// <summary>The same embedded silo with its checkpoints (query, trigger and state files) in Azurite.</summary>
public sealed class BlobSessionFixture : SessionFixture
{
    protected override CheckpointStorageOptions Checkpoints => new()
    {
        Provider = CheckpointStorageOptions.AzureBlobProvider,
        AzureBlob = { ConnectionString = Azurite.ConnectionString, Container = Azurite.UniqueContainerName() },
    };
}

[CollectionDefinition(Name)]
public sealed class BlobSessionCollection : ICollectionFixture<BlobSessionFixture>
{
    public const string Name = "embedded silo, Azure Blob checkpoints";
}
