using System.Security.Cryptography;
using System.Text;
using Azure.Storage.Blobs;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Tests.Checkpointing;
using OrleansStream.Grains.Storage;
using OrleansStream.Grains.Tests.Infrastructure;

namespace OrleansStream.Grains.Tests.Storage;

/// <summary>The store contract and the blob specifics, against Azurite; every store gets its own container.</summary>
public sealed class AzureBlobCheckpointStoreTests : CheckpointStoreContractTests, IAsyncLifetime
{
    private readonly List<BlobContainerClient> _containers = [];

    // A prefix, so that the contract also covers mapping keys to blob names and back.
    protected override ICheckpointStore CreateStore() => new AzureBlobCheckpointStore(Track(Azurite.NewContainer()), "cluster-a");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var container in _containers) await container.DeleteIfExistsAsync();
    }

    [Fact]
    public async Task Keys_are_blob_names_under_the_prefix_and_stores_with_other_prefixes_do_not_see_each_other()
    {
        var name = Azurite.UniqueContainerName();
        var a = new AzureBlobCheckpointStore(Track(new BlobContainerClient(Azurite.ConnectionString, name)), "clusters/a");
        var b = new AzureBlobCheckpointStore(new BlobContainerClient(Azurite.ConnectionString, name), "clusters/b/");
        var all = new AzureBlobCheckpointStore(new BlobContainerClient(Azurite.ConnectionString, name));
        Assert.Equal("clusters/a/", a.Prefix);
        Assert.Equal("clusters/b/", b.Prefix);

        await a.PutIfAbsentAsync("q/commits/0", B("a"));
        await b.PutIfAbsentAsync("q/commits/0", B("b"));

        Assert.Equal(["q/commits/0"], await a.ListAsync(""));
        Assert.Equal("b", S((await b.ReadAsync("q/commits/0"))!.Data));
        Assert.Equal(["clusters/a/q/commits/0", "clusters/b/q/commits/0"], await all.ListAsync(""));
        var blobNames = new List<string>();
        await foreach (var item in _containers[0].GetBlobsAsync()) blobNames.Add(item.Name);
        Assert.Equal(["clusters/a/q/commits/0", "clusters/b/q/commits/0"], blobNames);
    }

    [Theory]
    [InlineData("grains/trigger/queries%2Fq1/trigger")]   // grain keys are escaped into one segment
    [InlineData("with space/and+plus/and#hash/and?query")]
    [InlineData("ünïcödé/日本/🙂")]
    public async Task Keys_that_need_escaping_in_a_url_round_trip(string key)
    {
        var store = CreateStore();
        var etag = await store.PutIfAbsentAsync(key, B(key));
        Assert.Equal(key, S((await store.ReadAsync(key))!.Data));
        Assert.Equal([key], await store.ListAsync(""));
        await store.ReplaceAsync(key, B("2"), etag);
        Assert.True(await store.DeleteAsync(key, null));
    }

    [Fact]
    public async Task A_missing_container_reads_as_empty_and_is_created_by_the_first_write()
    {
        var container = Track(Azurite.NewContainer());
        var store = new AzureBlobCheckpointStore(container);
        Assert.Null(await store.ReadAsync("q/offsets/0"));
        Assert.Empty(await store.ListAsync(""));
        Assert.False(await store.DeleteAsync("q/offsets/0", null));
        Assert.False(await store.DeleteAsync("q/offsets/0", "\"0x1\""));
        await Assert.ThrowsAsync<CheckpointConflictException>(() => store.ReplaceAsync("q/offsets/0", B("x"), "\"0x1\""));
        Assert.False(await container.ExistsAsync());

        // Several first writers at once: all create the container, one creates the record.
        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => Task.Run(async () =>
        {
            try { return await store.PutIfAbsentAsync("q/offsets/0", B("w" + i)); }
            catch (CheckpointConflictException) { return null; }
        })));
        Assert.Single(results, r => r is not null);
        Assert.True(await container.ExistsAsync());
    }

    [Fact]
    public async Task A_store_on_another_silo_sees_the_same_etags_and_conflicts()
    {
        var name = Azurite.UniqueContainerName();
        var a = new AzureBlobCheckpointStore(Track(new BlobContainerClient(Azurite.ConnectionString, name)), "c");
        var b = new AzureBlobCheckpointStore(new BlobContainerClient(Azurite.ConnectionString, name), "c");
        var etag = await a.PutIfAbsentAsync("q/commits/0", B("1"));
        Assert.Equal(etag, (await b.ReadAsync("q/commits/0"))!.ETag);
        await Assert.ThrowsAsync<CheckpointConflictException>(() => b.PutIfAbsentAsync("q/commits/0", B("2")));
        var newer = await b.ReplaceAsync("q/commits/0", B("3"), etag);
        await Assert.ThrowsAsync<CheckpointConflictException>(() => a.ReplaceAsync("q/commits/0", B("4"), etag));
        await Assert.ThrowsAsync<CheckpointConflictException>(() => a.DeleteAsync("q/commits/0", etag));
        Assert.True(await a.DeleteAsync("q/commits/0", newer));
    }

    [Fact]
    public async Task A_wrong_account_key_fails_without_the_key_or_the_connection_string_in_the_error()
    {
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        var connectionString = Azurite.ConnectionString.Replace(Azurite.AccountKey, secret, StringComparison.Ordinal);
        Assert.Contains(secret, connectionString);
        var store = new AzureBlobCheckpointStore(new BlobContainerClient(connectionString, Azurite.UniqueContainerName()));

        var e = await Assert.ThrowsAsync<IOException>(() => store.PutIfAbsentAsync("q/commits/0", B("x")));
        Assert.Contains("status 403", e.Message);
        AssertNoSecret(e, secret, connectionString);
        AssertNoSecret(await Assert.ThrowsAsync<IOException>(() => store.ReadAsync("q/commits/0")), secret, connectionString);
        AssertNoSecret(await Assert.ThrowsAsync<IOException>(() => store.ListAsync("")), secret, connectionString);
    }

    [Fact]
    public async Task An_unreachable_endpoint_fails_without_the_key_in_the_error()
    {
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        // Port 1 on loopback refuses connections; no SDK retries and a short outage budget keep the test short.
        var connectionString = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={secret};BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;";
        var options = new BlobClientOptions { Retry = { MaxRetries = 0 } };
        var retry = StorageRetrySettings.Default with { OutageBudget = TimeSpan.FromSeconds(1) };
        var store = new AzureBlobCheckpointStore(new BlobContainerClient(connectionString, "unreachable", options), null, null, retry, new CheckpointStoreHealth());

        var e = await Assert.ThrowsAsync<IOException>(() => store.PutIfAbsentAsync("q/commits/0", B("x")));
        Assert.Contains("'q/commits/0'", e.Message);
        AssertNoSecret(e, secret, connectionString);
    }

    private static void AssertNoSecret(Exception e, string secret, string connectionString)
    {
        var text = e.ToString();
        Assert.DoesNotContain(secret, text);
        Assert.DoesNotContain(connectionString, text);
        Assert.DoesNotContain("AccountKey", text);
    }

    private BlobContainerClient Track(BlobContainerClient container)
    {
        lock (_containers) _containers.Add(container);
        return container;
    }

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static string S(byte[] b) => Encoding.UTF8.GetString(b);
}
