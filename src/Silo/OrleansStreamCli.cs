using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace OrleansStream.Silo;

/// <summary>
/// The `orleansstream` command line: `silo` (a cluster member), `job` (the main job on an embedded silo; also what no
/// command runs), `queries list|show|stop|explain` and `progress` (clients of the cluster). Exit codes: 0 done, 2 bad
/// command line or configuration (the message names the option), 1 the query or the command failed.
/// </summary>
internal static class OrleansStreamCli
{
    /// <summary>Parses and runs <paramref name="args"/>, writing to <paramref name="output"/> and <paramref name="error"/> (the console by default).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null, IConfiguration? configuration = null)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        var parse = Create(configuration ?? new ConfigurationBuilder().AddEnvironmentVariables().Build(), error).Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors) await error.WriteLineAsync(e.Message);
            await error.WriteLineAsync($"Run '{parse.CommandResult.Command.Name} --help' for its options.");
            return 2;
        }
        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false,
            // Ctrl+C cancels the command's token; the job then stops its query and the silo leaves the cluster, which takes a moment.
            ProcessTerminationTimeout = TimeSpan.FromSeconds(60) });
    }

    /// <summary>The root command and every subcommand.</summary>
    public static RootCommand Create(IConfiguration configuration, TextWriter error)
    {
        var job = new JobOptions.Command();
        var jobCommand = new Command("job", "Runs the main job on an embedded silo: JSON event files (or Redis streams) in, a streaming query, console or file sink out; run again to resume from its checkpoint.");
        foreach (var option in job.All) jobCommand.Add(option);
        jobCommand.SetAction((parse, ct) => Guarded(error, () => new DemoJob(job.Bind(parse), Terminal()).RunAsync(ct)));

        // The host reads its own configuration (environment, appsettings, --Section:Key=value arguments): pass through what it is given.
        var silo = new Command("silo", "Runs a cluster member configured from OrleansStream__* environment variables (clustering, endpoints, checkpoint storage, engine options) until stopped.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        silo.SetAction((parse, ct) => Guarded(error, () => SiloHost.RunAsync([.. parse.UnmatchedTokens], ct)));

        var queries = new QueryCommands(configuration, ConsoleOf);
        var queriesCommand = queries.Queries();
        foreach (var sub in queriesCommand.Subcommands) Guard(sub, error);
        var progress = queries.Progress();
        Guard(progress, error);

        var root = new RootCommand("orleansstream: Spark Structured Streaming on Orleans. Without a command, runs `job` with its defaults.")
        {
            silo, jobCommand, queriesCommand, progress,
        };
        root.SetAction((_, ct) => Guarded(error, () => new DemoJob(new JobOptions(), Terminal()).RunAsync(ct)));
        return root;
    }

    // Spectre sizes tables to the terminal; written to a pipe or file it would assume 80 columns and wrap ids over lines,
    // so there it uses COLUMNS or a wide default that scripts can grep. Only a terminal gets live views, bars and spinners:
    // redirected, every command prints plain lines.
    private static IAnsiConsole ConsoleOf(TextWriter writer)
    {
        var terminal = writer == Console.Out && !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!terminal)
            console.Profile.Width = int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns > 0 ? columns : 200;
        return console;
    }

    // The job's console when stdout is a terminal (it shows a progress bar there), else none.
    private static IAnsiConsole? Terminal() => ConsoleOf(Console.Out) is { Profile.Capabilities.Interactive: true } console ? console : null;

    // Wraps a command's action in the exit-code rules.
    private static void Guard(Command command, TextWriter error)
    {
        if (command.Action is not System.CommandLine.Invocation.AsynchronousCommandLineAction action) return;
        command.SetAction((parse, ct) => Guarded(error, () => action.InvokeAsync(parse, ct)));
    }

    private static async Task<int> Guarded(TextWriter error, Func<Task<int>> run)
    {
        try
        {
            return await run();
        }
        catch (Exception ex) when (ex is ArgumentException or OptionsValidationException)
        {
            // Configuration errors name the option; print them without a stack trace.
            await error.WriteLineAsync(ex.Message);
            return 2;
        }
        catch (OperationCanceledException)
        {
            return 130; // stopped by Ctrl+C
        }
        catch (Exception ex)
        {
            // The query failed (its error names the cause) or could not start: one message and a failure exit code, not an abort.
            await error.WriteLineAsync($"orleansstream: {ex.Message}");
            return 1;
        }
    }
}
