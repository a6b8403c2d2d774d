using OrleansStream.Client;
using OrleansStream.Cluster.Tests.Infrastructure;
using OrleansStream.Samples.Processors;

namespace OrleansStream.Cluster.Tests;

/// <summary>
/// User code in a cluster (DESIGN.md §7): the sample silo of samples/UserCodeSilo (what infra/Dockerfile.usercode builds)
/// registers the user's processor and runs a transformWithState query with it; once a stock silo, which lacks it, joins
/// the cluster, the same query is refused at StartAsync naming the processor type and that silo.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class UserCodeClusterTests(PublishedSilo stock, PublishedUserCodeSilo userCode, ITestOutputHelper output) : IClassFixture<PublishedUserCodeSilo>
{
    [Fact]
    public async Task AQueryWithUserCode_RunsOnSilosThatCarryIt_AndIsRefusedNamingASiloThatLacksIt()
    {
        var root = Repository.NewTempFolder("os-usercode");
        var data = Path.Combine(root, "data");
        var input = Path.Combine(data, "in");
        Directory.CreateDirectory(input);
        File.WriteAllText(Path.Combine(input, "events-0.json"), "{\"user\":\"ada\",\"amount\":1.5}\n{\"user\":\"bob\",\"amount\":2}\n{\"user\":\"ada\",\"amount\":3}\n");
        var container = "usercode" + Guid.NewGuid().ToString("N")[..12];
        var cluster = "u" + Guid.NewGuid().ToString("N")[..8];
        await using var redis = await RedisServer.StartAsync();

        await using var withCode = SiloProcess.Start("usercode", userCode.Assembly, DeploymentEnvironment.LoopbackSilo(cluster, redis.ConnectionString, container, data));
        await withCode.WaitHealthyAsync(TimeSpan.FromSeconds(90));
        var session = await StreamSession.ConnectAsync(new StreamSessionOptions { Clustering = "Redis", RedisConnectionString = redis.ConnectionString, ClusterId = cluster });
        try
        {
            var query = await Totals(session, input).WriteStream.OutputMode(OutputMode.Append).Format("json")
                .Option("checkpointLocation", "usercode-ok").StartAsync(Path.Combine(data, "out"));
            await query.ProcessAllAvailableAsync();
            await query.StopAsync();
            Assert.Null(query.Exception);
            var lines = Directory.GetFiles(Path.Combine(data, "out"), "part-*").SelectMany(File.ReadAllLines).Order(StringComparer.Ordinal).ToList();
            output.WriteLine("output on the user-code silo: " + string.Join(" ", lines));
            Assert.Equal(["{\"user\":\"ada\",\"total\":4.5}", "{\"user\":\"bob\",\"total\":2.0}"], lines);

            await using var without = SiloProcess.Start("stock", stock.Assembly, DeploymentEnvironment.LoopbackSilo(cluster, redis.ConnectionString, container, data));
            await without.WaitHealthyAsync(TimeSpan.FromSeconds(90));
            var e = await Assert.ThrowsAnyAsync<Exception>(() => Totals(session, input).WriteStream.OutputMode(OutputMode.Append).Format("json")
                .Option("checkpointLocation", "usercode-refused").StartAsync(Path.Combine(data, "refused")));
            output.WriteLine("refusal: " + e.Message);
            Assert.Contains($"The stateful processor {typeof(UserTotals).AssemblyQualifiedName} is not registered on silo", e.Message);
            Assert.Contains($"127.0.0.1:{without.SiloPort}", e.Message);
            Assert.False(Directory.Exists(Path.Combine(data, "refused")) && Directory.EnumerateFiles(Path.Combine(data, "refused"), "part-*").Any(), "the refused query wrote output");
        }
        finally
        {
            await session.DisposeAsync();
        }
    }

    private static DataFrame Totals(StreamSession session, string input) =>
        session.ReadStream.Format("json").Schema("user STRING, amount DOUBLE").Load(input)
            .GroupBy("user").TransformWithState<UserTotals>("user STRING, total DOUBLE", OutputMode.Append, TimeMode.None);
}
