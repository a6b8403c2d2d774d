using System.Diagnostics;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Logging;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Grains.Hosting;
using OrleansStream.Grains.Storage;
using OrleansStream.Grains.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansStream.Grains.Tests.Storage;

/// <summary>
/// Transport faults of single checkpoint calls: a write whose response is lost, an endpoint that accepts connections and
/// never answers, and one that refuses them for longer than the outage budget.
/// </summary>
public sealed class AzureBlobCheckpointStoreFaultTests(ITestOutputHelper output)
{
    private const string Key = "q/commits/7";

    [Theory]
    [InlineData(2)] // the SDK's own retry finds the write
    [InlineData(0)] // the store's retry finds it
    public async Task A_create_whose_response_was_lost_is_recognised_as_its_own_write(int sdkRetries)
    {
        var lost = new LostResponsePolicy(Key);
        var store = Store(Azurite.ConnectionString, Settings(TimeSpan.FromSeconds(30)) with { SdkMaxRetries = sdkRetries }, lost);

        var etag = await store.PutIfAbsentAsync(Key, B("mine"));

        Assert.Equal(1, lost.Lost);
        var stored = await store.ReadAsync(Key);
        Assert.Equal("mine", S(stored!.Data));
        Assert.Equal(stored.ETag, etag);
        await store.ReplaceAsync(Key, B("next"), etag);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(0)]
    public async Task A_replace_whose_response_was_lost_is_recognised_as_its_own_write(int sdkRetries)
    {
        var store = Store(Azurite.ConnectionString, Settings(TimeSpan.FromSeconds(30)));
        var first = await store.PutIfAbsentAsync(Key, B("1"));

        // Another client of the same container, which loses the response of its replace.
        var lostReplace = new LostResponsePolicy(Key);
        var other = Store(Azurite.ConnectionString, store, Settings(TimeSpan.FromSeconds(30)) with { SdkMaxRetries = sdkRetries }, lostReplace);
        var second = await other.ReplaceAsync(Key, B("2"), first);

        Assert.Equal(1, lostReplace.Lost);
        var stored = await store.ReadAsync(Key);
        Assert.Equal("2", S(stored!.Data));
        Assert.Equal(stored.ETag, second);
        // Another writer's record is still a conflict, with or without lost responses.
        await Assert.ThrowsAsync<CheckpointConflictException>(() => store.ReplaceAsync(Key, B("3"), first));
        await Assert.ThrowsAsync<CheckpointConflictException>(() => store.PutIfAbsentAsync(Key, B("4")));
    }

    [Fact]
    public async Task A_hung_endpoint_times_out_each_attempt_and_fails_past_the_budget_naming_storage()
    {
        using var hung = new HungEndpoint();
        var logger = new ListLogger();
        var settings = Settings(TimeSpan.FromSeconds(4)) with { NetworkTimeout = TimeSpan.FromSeconds(1), OperationTimeout = TimeSpan.FromSeconds(3), SdkMaxRetries = 0 };
        var store = Store(ConnectionStringFor(hung.Port), settings, logger: logger);

        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<IOException>(() => store.PutIfAbsentAsync(Key, B("x")).WaitAsync(TimeSpan.FromSeconds(30)));
        watch.Stop();

        output.WriteLine($"failed after {watch.Elapsed.TotalSeconds:F1} s, {hung.Connections} connections: {e.Message}");
        var firstFailure = logger.Entries.First(l => l.Level == LogLevel.Warning);
        output.WriteLine($"first attempt gave up after {firstFailure.At.TotalSeconds:F2} s: {firstFailure.Message}");
        Assert.InRange(firstFailure.At, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(2.5));
        Assert.InRange(watch.Elapsed, settings.OutageBudget, settings.OutageBudget + settings.OperationTimeout + TimeSpan.FromSeconds(2));
        Assert.Contains($"http://127.0.0.1:{hung.Port}", e.Message);
        Assert.Contains($"create '{Key}'", e.Message);
        Assert.Contains("OrleansStream__Checkpoints__OutageBudget", e.Message);
        Assert.Contains("network timeout of 1 s", e.Message);
    }

    [Fact]
    public async Task Storage_down_past_the_budget_fails_the_call_with_an_error_naming_storage_and_no_secret()
    {
        var port = Ports.Free(); // nothing listens: connections are refused
        var settings = Settings(TimeSpan.FromSeconds(2));
        var store = Store(ConnectionStringFor(port), settings);

        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<IOException>(() => store.ReplaceAsync(Key, B("x"), "\"0x1\"").WaitAsync(TimeSpan.FromSeconds(30)));
        watch.Stop();

        output.WriteLine($"failed after {watch.Elapsed.TotalSeconds:F1} s: {e.Message}");
        Assert.InRange(watch.Elapsed, settings.OutageBudget, settings.OutageBudget + TimeSpan.FromSeconds(3));
        Assert.Contains($"Azure Blob checkpoint storage at http://127.0.0.1:{port}", e.Message);
        Assert.Contains($"replace '{Key}'", e.Message);
        Assert.Contains("outage budget, OrleansStream:Checkpoints:OutageBudget (environment variable OrleansStream__Checkpoints__OutageBudget), is 00:00:02", e.Message);
        Assert.Contains("Connection refused", e.Message);
        var text = e.ToString();
        Assert.DoesNotContain(Azurite.AccountKey, text);
        Assert.DoesNotContain("AccountKey", text);
    }

    private static StorageRetrySettings Settings(TimeSpan budget) => new()
    {
        OutageBudget = budget,
        NetworkTimeout = TimeSpan.FromSeconds(2),
        OperationTimeout = TimeSpan.FromSeconds(5),
        MaxDelay = TimeSpan.FromMilliseconds(500),
    };

    private static AzureBlobCheckpointStore Store(string connectionString, StorageRetrySettings settings, HttpPipelinePolicy? policy = null, ILogger? logger = null) =>
        Store(connectionString, Azurite.UniqueContainerName(), "p", settings, policy, logger);

    // A second store (another client) over the container and prefix of an existing one.
    private static AzureBlobCheckpointStore Store(string connectionString, AzureBlobCheckpointStore same, StorageRetrySettings settings, HttpPipelinePolicy policy) =>
        Store(connectionString, same.ContainerName, same.Prefix, settings, policy, null);

    private static AzureBlobCheckpointStore Store(string connectionString, string container, string prefix, StorageRetrySettings settings, HttpPipelinePolicy? policy, ILogger? logger) =>
        AzureBlobCheckpointStore.Create(
            new AzureBlobCheckpointOptions { ConnectionString = connectionString, Container = container, Prefix = prefix },
            settings, new CheckpointStoreHealth(), logger,
            options => { if (policy is not null) options.AddPolicy(policy, HttpPipelinePosition.PerRetry); });

    private static string ConnectionStringFor(int port) =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Azurite.AccountKey};BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static string S(byte[] b) => Encoding.UTF8.GetString(b);
}
