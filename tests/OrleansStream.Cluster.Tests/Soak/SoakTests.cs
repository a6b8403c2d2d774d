using System.Globalization;
using OrleansStream.Cluster.Tests.Infrastructure;

namespace OrleansStream.Cluster.Tests.Soak;

/// <summary>
/// Bounded randomised kill tests: after every kill the output must hold each expected window exactly once, with exactly
/// its count and sum. The same soaks run longer from the command line (README, "Soak"): ORLEANSSTREAM_SOAK_KILLS and
/// ORLEANSSTREAM_SOAK_CLUSTER_KILLS set the number of kills, ORLEANSSTREAM_SOAK_SEED the random seed.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SoakTests(PublishedSilo published, ITestOutputHelper output)
{
    [Fact]
    public async Task RandomKillsOfTheJobProcess_LoseAndDuplicateNoWindow()
    {
        var root = Repository.NewTempFolder("os-soak");
        try
        {
            var result = await Soak().ProcessAsync(Setting("ORLEANSSTREAM_SOAK_KILLS", 24), root);
            Check(result);
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task RandomSiloKillsInAThreeSiloCluster_LoseAndDuplicateNoWindow()
    {
        var root = Repository.NewTempFolder("os-soak");
        try
        {
            await using var redis = await RedisServer.StartAsync();
            var result = await Soak().ClusterAsync(Setting("ORLEANSSTREAM_SOAK_CLUSTER_KILLS", 4), root, redis);
            Check(result);
            Assert.Equal(0, result.QueryFailures);
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    private KillSoak Soak()
    {
        var seed = Setting("ORLEANSSTREAM_SOAK_SEED", Environment.TickCount);
        Report($"seed {seed}");
        return new KillSoak(published.Assembly, seed, Report);
    }

    private void Check(SoakResult result)
    {
        Report(result.Summary);
        foreach (var row in result.Lost.Take(10)) Report("lost: " + row);
        foreach (var row in result.Unexpected.Take(10)) Report("duplicated or wrong: " + row);
        Assert.True(result.Expected.Count > 0, "the soak produced no expected windows");
        Assert.Empty(result.Lost);
        Assert.Empty(result.Unexpected);
    }

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : fallback;

    private void Report(string line)
    {
        try { output.WriteLine(line); } catch (InvalidOperationException) { }
        Console.Error.WriteLine("[soak] " + line);
    }
}
