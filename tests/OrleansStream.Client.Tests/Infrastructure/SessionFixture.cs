namespace OrleansStream.Client.Tests.Infrastructure;

/// <summary>One embedded silo shared by the tests of a collection: each test uses its own queries, names and folders.</summary>
public sealed class SessionFixture : IAsyncLifetime
{
    public TempDirectory Data { get; } = new();
    public StreamSession Session { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = Data.Path });

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
