using Xunit.Abstractions;
using System.Diagnostics;
using System.Globalization;
using OrleansStream.Client.Tests.Recovery;

namespace OrleansStream.Client.Tests.Cli;

/// <summary>
/// `orleansstream queries ...` and `progress` as processes of their own, against a silo process (`orleansstream silo`),
/// both configured by the same OrleansStream__* environment: they see, describe and stop a query another client started.
/// </summary>
public sealed class OrleansStreamCliProcessTests(ITestOutputHelper output)
{
    [Fact]
    public async Task QueriesList_InAnotherProcess_SeesTheQueryOfAClient_AndStopsIt()
    {
        using var dir = new TempDirectory();
        var gateway = Ports.Free();
        var environment = new Dictionary<string, string>
        {
            ["OrleansStream__DataDirectory"] = dir.Path,
            ["OrleansStream__Cluster__SiloPort"] = Ports.Free().ToString(CultureInfo.InvariantCulture),
            ["OrleansStream__Cluster__GatewayPort"] = gateway.ToString(CultureInfo.InvariantCulture),
            ["OrleansStream__Cluster__ClusterId"] = "cli-e2e",
        };
        using var silo = ProcessKillTests.StartJob(["silo"], environment, output);
        try
        {
            await using var client = await ConnectAsync(gateway, silo);
            var numbers = client.CreateMemoryStream<int>();
            var query = await numbers.ToDF().WriteStream.Format("memory").QueryName("cli_e2e").StartAsync();
            await numbers.AddDataAsync(1, 2, 3);
            await query.ProcessAllAvailableAsync();

            var list = await RunCliAsync(environment, "queries", "list");
            Assert.Contains("cli_e2e", list);
            Assert.Contains("Active", list);

            var show = await RunCliAsync(environment, "queries", "show", query.Id.ToString());
            Assert.Contains(query.RunId.ToString(), show);
            Assert.Contains("cli_e2e", show);

            Assert.Contains("StreamingRelation memory", await RunCliAsync(environment, "queries", "explain", "cli_e2e"));
            Assert.Contains("batch 0 input rows 3", await RunCliAsync(environment, "progress", "cli_e2e"));

            Assert.Contains("Stopped query cli_e2e", await RunCliAsync(environment, "queries", "stop", "cli_e2e"));
            Assert.True(await query.AwaitTerminationAsync(TimeSpan.FromSeconds(60)));
        }
        finally
        {
            silo.Kill(entireProcessTree: true);
            await silo.WaitForExitAsync();
        }
    }

    // The silo process takes a few seconds to open its gateway.
    private static async Task<StreamSession> ConnectAsync(int gateway, Process silo)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            if (silo.HasExited) throw new InvalidOperationException($"The silo exited with code {silo.ExitCode}.");
            try
            {
                return await StreamSession.ConnectAsync(new StreamSessionOptions { GatewayPort = gateway, ClusterId = "cli-e2e" })
                    .WaitAsync(TimeSpan.FromSeconds(20));
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
        }
    }

    // Runs one CLI command to its end; fails the test with what it printed unless it exits with 0.
    private async Task<string> RunCliAsync(Dictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(ProcessKillTests.SiloAssembly());
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment) info.Environment[k] = v;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        var text = await stdout;
        output.WriteLine($"$ orleansstream {string.Join(' ', args)}\n{text}{await stderr}");
        Assert.True(process.ExitCode == 0, $"orleansstream {string.Join(' ', args)} exited with {process.ExitCode}: {await stderr}");
        return text;
    }
}
