using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.Subscriptions;

/// <summary>A client connected to a cluster over TCP subscribes to a query's results through its gateway.</summary>
public sealed class RemoteSubscriptionTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private StreamSession _silo = null!;
    private StreamSession _client = null!;

    public async Task InitializeAsync()
    {
        var gateway = Ports.Free();
        _silo = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = _data.Path, SiloPort = Ports.Free(), GatewayPort = gateway, ClusterId = "remote-subscription" });
        _client = await StreamSession.ConnectAsync(new StreamSessionOptions { GatewayPort = gateway, ClusterId = "remote-subscription" });
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _silo.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task RemoteClient_ReceivesEachCommittedEpoch()
    {
        var input = _client.CreateMemoryStream<string>();
        var query = await input.ToDF().GroupBy("value").Count().WriteStream.Format("memory").OutputMode(OutputMode.Update)
            .QueryName("remote_subscription").StartAsync();
        await using var subscription = await query.SubscribeAsync();

        await input.AddDataAsync("x", "y", "x");
        await query.ProcessAllAvailableAsync();
        await input.AddDataAsync("y");
        await query.ProcessAllAvailableAsync();

        var changes = await SubscriptionTests.TakeAsync(subscription, 2);
        Assert.Equal([0L, 1L], changes.Select(c => c.BatchId));
        Assert.Equal(["x:2", "y:1"], changes[0].Rows.Select(r => $"{r["value"]}:{r["count"]}").Order(StringComparer.Ordinal));
        Assert.Equal(["y:2"], changes[1].Rows.Select(r => $"{r["value"]}:{r["count"]}"));
        await query.StopAsync();
    }
}
