using Xunit.Abstractions;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
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

            // On a terminal (a pseudo-terminal of script(1)), --follow draws one view and redraws it in place as epochs come.
            // The view arrives in pieces: wait for the new epoch's panel and the table drawn after it.
            var live = await FollowInTerminalAsync(environment, "cli_e2e", until: text => text.Contains("Latest epoch"), then: async () =>
            {
                await numbers.AddDataAsync(4, 5);
                await query.ProcessAllAvailableAsync();
            }, finallyUntil: text => Regex.IsMatch(text, @"Input rows\s+2\s[\s\S]*Recent epochs[\s\S]*addBatch"));
            Assert.Matches(@"Batch\s+1\s", live);
            Assert.Contains("Recent epochs", live);
            Assert.Contains("addBatch", live);
            Assert.DoesNotContain("batch 0 input rows 3", live);

            Assert.Contains("Stopped query cli_e2e", await RunCliAsync(environment, "queries", "stop", "cli_e2e"));
            Assert.True(await query.AwaitTerminationAsync(TimeSpan.FromSeconds(60)));
        }
        finally
        {
            silo.Kill(entireProcessTree: true);
            await silo.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Job_OnATerminal_ShowsABarOfEpochsDone_WithItsOutputAboveIt()
    {
        using var dir = new TempDirectory();
        await using var terminal = PseudoTerminal.Start([], "job", "--epochs", "3", "--data", dir.Path, "--sink", "json");

        Assert.Equal(0, await terminal.WaitForExitAsync());
        var screen = PseudoTerminal.Plain(terminal.Raw);
        output.WriteLine(screen);
        var started = screen.IndexOf("epochs 0/3", StringComparison.Ordinal);
        var firstEpoch = screen.IndexOf("progress: batchId=0", StringComparison.Ordinal);
        Assert.True(started >= 0 && firstEpoch > started, "the bar is drawn from the start, and the progress lines are printed while it runs");
        Assert.Contains("epochs 3/3", screen);
        Assert.Contains("100%", screen);
        Assert.Contains("progress: batchId=2", screen);
        Assert.Matches(@"\x1b\[\d*A", terminal.Raw); // redrawn in place
        Assert.Contains("Stopped after batch", screen);
    }

    [Fact]
    public async Task Job_AvailableNow_OnAnEmptyFolder_SaysNoBatchRan_AndTheNextRunReadsWhatArrivedMeanwhile()
    {
        // AvailableNow reads what is there at start: the job's generator writes its first file only after that.
        using var dir = new TempDirectory();
        var first = await RunCliAsync([], "job", "--available-now", "--data", dir.Path, "--sink", "json");
        Assert.Contains("Stopped with no batch run: there was nothing new to read when the query started.", first);
        Assert.DoesNotContain("progress: batchId=", first);

        var second = await RunCliAsync([], "job", "--available-now", "--data", dir.Path, "--sink", "json");
        Assert.Contains("progress: batchId=0 ", second);
        Assert.Contains("Stopped after batch 0.", second);
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

    // Runs `progress <query> --follow` on a pseudo-terminal until its screen satisfies until, runs then, waits for
    // finallyUntil and stops it; returns what it drew after then (escape codes removed).
    private async Task<string> FollowInTerminalAsync(Dictionary<string, string> environment, string query, Func<string, bool> until, Func<Task> then, Func<string, bool> finallyUntil)
    {
        await using var terminal = PseudoTerminal.Start(environment, "progress", query, "--follow");
        await terminal.WaitAsync(until, 0);
        var from = terminal.Raw.Length;
        await then();
        await terminal.WaitAsync(finallyUntil, from);
        var drawn = terminal.Raw[from..];
        output.WriteLine($"$ orleansstream progress {query} --follow (on a terminal, after the new epoch)\n{PseudoTerminal.Plain(drawn)}");
        Assert.Matches(@"\x1b\[\d*A", drawn); // the cursor moves up: the view is redrawn in place, not appended
        return PseudoTerminal.Plain(drawn);
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

/// <summary>The `orleansstream` process on a pseudo-terminal of script(1), 160 x 60, so that it draws as on a user's screen.</summary>
internal sealed class PseudoTerminal : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _screen = new();
    private readonly Task _reading;

    private PseudoTerminal(Process process)
    {
        _process = process;
        _reading = Task.Run(async () =>
        {
            var buffer = new char[4096];
            int n;
            while ((n = await process.StandardOutput.ReadAsync(buffer)) > 0)
                lock (_screen) _screen.Append(buffer, 0, n);
        });
    }

    /// <summary>Everything drawn so far, escape codes included.</summary>
    public string Raw
    {
        get { lock (_screen) return _screen.ToString(); }
    }

    public static PseudoTerminal Start(Dictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("script") { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        var command = $"stty cols 160 rows 60; exec dotnet '{ProcessKillTests.SiloAssembly()}' {string.Join(' ', args.Select(a => $"'{a}'"))}";
        foreach (var a in new[] { "-qefc", command, "/dev/null" }) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment) info.Environment[k] = v;
        info.Environment.Remove("COLUMNS");
        return new PseudoTerminal(Process.Start(info)!);
    }

    /// <summary>What a screen shows of <paramref name="raw"/>, roughly: the text without its escape codes.</summary>
    public static string Plain(string raw) => Regex.Replace(raw, @"\x1b\[[0-9;?]*[A-Za-z]", "");

    /// <summary>Waits up to two minutes until the text drawn from <paramref name="from"/> on satisfies <paramref name="condition"/>.</summary>
    public async Task WaitAsync(Func<string, bool> condition, int from)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (!condition(Plain(Raw[from..])))
        {
            if (_process.HasExited)
            {
                await _reading; // its last output may still be on its way
                Assert.True(condition(Plain(Raw[from..])), $"the process exited with {_process.ExitCode}: {Plain(Raw)}");
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, $"the terminal did not show what was expected: {Plain(Raw)}");
            await Task.Delay(200);
        }
    }

    /// <summary>Waits for the process to end by itself and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync()
    {
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(180));
        await _reading;
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        await _reading;
        _process.Dispose();
    }
}
