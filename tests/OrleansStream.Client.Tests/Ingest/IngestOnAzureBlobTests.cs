using OrleansStream.Client.Tests.Infrastructure;

namespace OrleansStream.Client.Tests.Ingest;

/// <summary>The ingest log in Azure Blob Storage (Azurite): segments, dedup records and the reading query's offsets as blobs.</summary>
[Collection(BlobSessionCollection.Name)]
public sealed class IngestOnAzureBlobTests(BlobSessionFixture fixture)
{
    private sealed record Click(long Id, string User);

    [Fact]
    public async Task Write_ThenQuery_ReadsEveryRowOnce_AndAQueryRestartedReadsOnlyWhatIsNew()
    {
        var session = fixture.Session;
        var name = "blob" + Guid.NewGuid().ToString("N")[..8];
        await session.CreateIngestAsync(name, "id BIGINT NOT NULL, user STRING", new IngestOptions { Partitions = 2 });
        var writer = session.Ingest<Click>(name);
        await writer.WriteAsync(Enumerable.Range(0, 30).Select(i => new Click(i, $"u{i % 3}")));
        await writer.WriteAsync(Enumerable.Range(30, 10).Select(i => new Click(i, "x")));

        var query = await Start();
        await query.ProcessAllAvailableAsync();
        await query.StopAsync();
        await writer.WriteAsync(Enumerable.Range(40, 5).Select(i => new Click(i, "y")));
        query = await Start();
        await query.ProcessAllAvailableAsync();
        await query.StopAsync();

        var ids = (await session.Table(name).CollectAsync()).Select(r => (long)r["id"]!).Order();
        Assert.Equal(Enumerable.Range(0, 45).Select(i => (long)i), ids);

        Task<StreamingQuery> Start() => session.ReadStream.Format("ingest").Load(name)
            .WriteStream.Format("memory").QueryName(name).Option("checkpointLocation", name).StartAsync();
    }
}
