using System.CommandLine;
using Microsoft.Extensions.Configuration;
using OrleansStream.Silo;

namespace OrleansStream.Client.Tests.Cli;

/// <summary>
/// The `orleansstream` command line, parsed and run in this process: --help on every command, the job's options with
/// their meaning, and exit code 2 with a message naming the option for a bad command line or an unreachable cluster.
/// </summary>
public sealed class OrleansStreamCliTests
{
    [Theory]
    [InlineData(new[] { "--help" }, "silo")]
    [InlineData(new[] { "silo", "--help" }, "OrleansStream__")]
    [InlineData(new[] { "job", "--help" }, "--running-totals")]
    [InlineData(new[] { "queries", "--help" }, "explain")]
    [InlineData(new[] { "queries", "list", "--help" }, "run id")]
    [InlineData(new[] { "queries", "show", "--help" }, "<query>")]
    [InlineData(new[] { "queries", "stop", "--help" }, "<query>")]
    [InlineData(new[] { "queries", "explain", "--help" }, "<query>")]
    [InlineData(new[] { "progress", "--help" }, "--follow")]
    public async Task Help_OfEveryCommand_PrintsItsUsageAndSucceeds(string[] args, string expected)
    {
        var (code, output, error) = await RunAsync(args);

        Assert.Equal(0, code);
        Assert.Contains("Usage:", output);
        Assert.Contains(expected, output);
        Assert.Equal("", error);
    }

    [Fact]
    public void JobOptions_KeepTheirMeaning()
    {
        var job = new JobOptions.Command();
        var command = new RootCommand();
        foreach (var option in job.All) command.Add(option);

        var o = job.Bind(command.Parse(["--data", "d", "--epochs", "3", "--no-generate", "--until-idle", "--sink", "json", "--max-files-per-trigger", "4",
            "--interval", "0 seconds", "--windowed", "--redis", "localhost:1", "--streams", "a,b", "--max-entries-per-trigger", "7"]));

        Assert.Equal(Path.GetFullPath("d"), o.DataDirectory);
        Assert.Equal((3, false, true, "json", 4L, "0 seconds"), (o.Epochs, o.Generate, o.UntilIdle, o.Sink, o.MaxFilesPerTrigger, o.Interval));
        Assert.Equal((true, false, false, "localhost:1", "a,b", (long?)7), (o.Windowed, o.Joined, o.RunningTotals, o.Redis, o.Streams, o.MaxEntriesPerTrigger));
        Assert.False(o.AvailableNow);
        Assert.True(job.Bind(command.Parse(["--available-now"])).AvailableNow);
        var defaults = job.Bind(command.Parse([]));
        Assert.Equal((5, true, false, "console", 10L, "1 second", "demo:events", (string?)null), (defaults.Epochs, defaults.Generate, defaults.UntilIdle, defaults.Sink,
            defaults.MaxFilesPerTrigger, defaults.Interval, defaults.Streams, defaults.Redis));
    }

    [Theory]
    [InlineData(new[] { "job", "--bogus" }, "--bogus")]
    [InlineData(new[] { "job", "--epochs", "many" }, "--epochs")]
    [InlineData(new[] { "job", "--epochs" }, "--epochs")]
    [InlineData(new[] { "job", "--windowed", "--joined" }, "cannot be combined")]
    [InlineData(new[] { "job", "--stateful", "--running-totals" }, "cannot be combined")]
    [InlineData(new[] { "queries", "show" }, "query")]
    [InlineData(new[] { "nonsense" }, "nonsense")]
    public async Task ABadCommandLine_ExitsWith2_NamingTheProblem(string[] args, string named)
    {
        var (code, _, error) = await RunAsync(args);

        Assert.Equal(2, code);
        Assert.Contains(named, error);
    }

    [Fact]
    public async Task AClientCommand_WithNoSiloListening_ExitsWith2_SayingWhereItLooked()
    {
        var port = Ports.Free();
        var (code, _, error) = await RunAsync(["queries", "list"], new() { ["OrleansStream:Cluster:GatewayPort"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) });

        Assert.Equal(2, code);
        Assert.Contains($"Cannot reach the cluster at the gateway on localhost:{port}", error);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string[] args, Dictionary<string, string?>? configuration = null)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await OrleansStreamCli.RunAsync(args, output, error, new ConfigurationBuilder().AddInMemoryCollection(configuration ?? new()).Build());
        return (code, output.ToString(), error.ToString());
    }
}
