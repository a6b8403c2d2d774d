using System.Diagnostics;
using System.Globalization;
using System.Net;
using Xunit.Abstractions;

namespace OrleansStream.Ui.Tests;

/// <summary>`orleansstream silo` as a process of its own serves the UI when OrleansStream__Ui__Port is set, and only then.</summary>
public sealed class SiloProcessUiTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SiloCommand_ServesTheUiAndMetrics_OnTheConfiguredPort()
    {
        using var dir = new TempDirectory();
        var port = Ports.Free();
        using var silo = StartSilo(new Dictionary<string, string>
        {
            ["OrleansStream__DataDirectory"] = dir.Path,
            ["OrleansStream__Cluster__SiloPort"] = Ports.Free().ToString(CultureInfo.InvariantCulture),
            ["OrleansStream__Cluster__GatewayPort"] = Ports.Free().ToString(CultureInfo.InvariantCulture),
            ["OrleansStream__Cluster__ClusterId"] = "ui-e2e",
            ["OrleansStream__Ui__Port"] = port.ToString(CultureInfo.InvariantCulture),
        });
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/"), Timeout = TimeSpan.FromSeconds(20) };
            var queries = await FirstAnswerAsync(http, "api/queries", silo);

            Assert.Equal("""{"active":[],"completed":[]}""", queries);
            Assert.Contains("Active Streaming Queries", await http.GetStringAsync("index.html"), StringComparison.Ordinal);
            Assert.Contains("Chart.js v4", await http.GetStringAsync("lib/chart.umd.min.js"), StringComparison.Ordinal);
            using var metrics = await http.GetAsync("metrics");
            Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
            using var stop = await http.PostAsync("api/queries/any/stop", null);
            Assert.Equal(HttpStatusCode.Forbidden, stop.StatusCode);
        }
        finally
        {
            silo.Kill(entireProcessTree: true);
            await silo.WaitForExitAsync();
        }
    }

    // The silo process takes a few seconds to start (longer on a loaded machine).
    private static async Task<string> FirstAnswerAsync(HttpClient http, string path, Process silo)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            if (silo.HasExited) throw new InvalidOperationException($"The silo exited with code {silo.ExitCode}.");
            try
            {
                return await http.GetStringAsync(path);
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
        }
    }

    private Process StartSilo(Dictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(SiloAssembly.Locate());
        info.ArgumentList.Add("silo");
        foreach (var (key, value) in environment) info.Environment[key] = value;
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => Log(e.Data);
        process.ErrorDataReceived += (_, e) => Log(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Log(string? line)
    {
        if (line is null) return;
        try { output.WriteLine(line); } catch (InvalidOperationException) { /* the test has ended */ }
    }
}
