using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using OrleansStream.Client;
using OrleansStream.Interfaces.Progress;
using OrleansStream.Interfaces.Queries;
using Spectre.Console;

namespace OrleansStream.Silo;

/// <summary>
/// `queries list|show|stop|explain` and `progress`: what the cluster's query catalog knows, for queries that any client
/// started, through a session connected with the silo's environment (<see cref="ClusterConnection"/>).
/// </summary>
internal sealed class QueryCommands(IConfiguration configuration, Func<TextWriter, IAnsiConsole> consoleOf)
{
    /// <summary>The `queries` command and its subcommands.</summary>
    public Command Queries()
    {
        var list = new Command("list", "Lists every query of the cluster: name, id, run id, status, start, last batch and rates.");
        list.SetAction((parse, ct) => WithSessionAsync(parse, ct, ListAsync));

        var show = new Command("show", "Shows one query: its runs, status, error and recent progress.");
        var showQuery = QueryArgument();
        show.Add(showQuery);
        show.SetAction((parse, ct) => WithQueryAsync(parse, showQuery, ct, (console, _, entry, _) => { Show(console, entry); return Task.FromResult(0); }));

        var stop = new Command("stop", "Stops a query's active run, after its running epoch, whichever client started it.");
        var stopQuery = QueryArgument();
        stop.Add(stopQuery);
        stop.SetAction((parse, ct) => WithQueryAsync(parse, stopQuery, ct, async (console, session, entry, token) =>
        {
            // The run stops after its running epoch, which can take a while: a terminal shows a spinner meanwhile.
            var stopping = session.Streams.StopAsync(entry.Id.ToString(), token);
            if (console.Profile.Capabilities.Interactive)
                await console.Status().StartAsync($"Stopping query {Markup.Escape(Label(entry))} after its running epoch...", _ => stopping);
            else await stopping;
            console.MarkupLineInterpolated($"Stopped query [bold]{Label(entry)}[/] (id {entry.Id}).");
            return 0;
        }));

        var explain = new Command("explain", "Prints the plan of a query's latest run, as DataFrame.Explain prints it.");
        var explainQuery = QueryArgument();
        explain.Add(explainQuery);
        explain.SetAction((parse, ct) => WithQueryAsync(parse, explainQuery, ct, (console, _, entry, _) =>
        {
            console.Profile.Out.Writer.Write(entry.Explain ?? "(the client that started this query did not send its plan)\n");
            return Task.FromResult(0);
        }));

        return new Command("queries", "Lists, shows, stops and explains the queries of the cluster.") { list, show, stop, explain };
    }

    /// <summary>The `progress` command.</summary>
    public Command Progress()
    {
        var query = QueryArgument();
        var follow = new Option<bool>("--follow", "-f")
        {
            Description = "Keep showing each new progress report until Ctrl+C: on a terminal, a view redrawn in place; redirected, one line each.",
        };
        var progress = new Command("progress", "Prints a query's recent progress (one line per epoch); with --follow, each new one as it comes.") { query, follow };
        progress.SetAction((parse, ct) => WithQueryAsync(parse, query, ct, async (console, session, entry, token) =>
        {
            var history = entry.RecentProgress.Select(StreamingQueryProgress.FromJson).ToList();
            if (parse.GetValue(follow) && console.Profile.Capabilities.Interactive)
            {
                await console.Live(ProgressView.Render(entry, history)).AutoClear(false).StartAsync(async live =>
                {
                    await foreach (var (now, fresh) in FollowAsync(session, entry, history, token))
                    {
                        history.AddRange(fresh);
                        if (history.Count > ProgressView.RecentRows) history.RemoveRange(0, history.Count - ProgressView.RecentRows);
                        live.UpdateTarget(ProgressView.Render(now, history));
                    }
                });
                return 0;
            }
            foreach (var p in history) Print(console, p);
            if (!parse.GetValue(follow)) return 0;
            await foreach (var (_, fresh) in FollowAsync(session, entry, history, token))
                foreach (var p in fresh) Print(console, p);
            return 0;
        }));
        return progress;
    }

    // Polls the catalog each second until cancelled (or the query is forgotten): the entry and the progress reports not
    // seen before (an idle trigger's report and its epoch's share a batch id, so the timestamp tells them apart).
    private static async IAsyncEnumerable<(QueryCatalogEntry Entry, List<StreamingQueryProgress> Fresh)> FollowAsync(StreamSession session,
        QueryCatalogEntry entry, IEnumerable<StreamingQueryProgress> shown, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken token)
    {
        static (Guid, long, string) Key(StreamingQueryProgress p) => (p.RunId, p.BatchId, p.Timestamp);
        var seen = shown.Select(Key).ToHashSet();
        while (!token.IsCancellationRequested)
        {
            try { await Task.Delay(TimeSpan.FromSeconds(1), token); } catch (OperationCanceledException) { yield break; }
            var now = await session.Streams.DescribeAsync(entry.Id.ToString(), token);
            if (now is null) yield break;
            var all = now.RecentProgress.Select(StreamingQueryProgress.FromJson).ToList();
            var fresh = all.Where(p => !seen.Contains(Key(p))).ToList();
            seen = all.Select(Key).ToHashSet();
            yield return (now, fresh);
        }
    }

    private static Argument<string> QueryArgument() => new("query") { Description = "The query's name, id or checkpoint location." };

    private static Task<int> ListAsync(IAnsiConsole console, StreamSession session, IReadOnlyList<QueryCatalogEntry> queries)
    {
        if (queries.Count == 0)
        {
            console.WriteLine("No queries.");
            return Task.FromResult(0);
        }
        var table = new Table().AddColumns("Name", "Id", "Run id", "Status", "Started (UTC)", "Last batch", "Input rows/s", "Processed rows/s");
        foreach (var q in queries)
        {
            var last = q.LastProgress is { } json ? StreamingQueryProgress.FromJson(json) : null;
            table.AddRow(Markup.Escape(q.Name ?? ""), q.Id.ToString(), q.RunId.ToString(), ProgressView.Status(q.Status), Time(q.StartedUtc),
                last?.BatchId.ToString(CultureInfo.InvariantCulture) ?? "", Rate(last?.InputRowsPerSecond), Rate(last?.ProcessedRowsPerSecond));
        }
        console.Write(table);
        return Task.FromResult(0);
    }

    private static void Show(IAnsiConsole console, QueryCatalogEntry q)
    {
        var details = new Grid().AddColumn().AddColumn();
        void Row(string name, string value) => details.AddRow(new Text(name, new Style(decoration: Decoration.Bold)), new Text(value));
        Row("Name", q.Name ?? "");
        Row("Id", q.Id.ToString());
        Row("Checkpoint", q.CheckpointLocation);
        Row("Status", q.Status);
        Row("Run id", q.RunId.ToString());
        Row("Started (UTC)", Time(q.StartedUtc));
        if (q.StoppedUtc is { } stopped) Row("Ended (UTC)", Time(stopped));
        Row("Runs", string.Join("\n", q.RunIds));
        console.Write(details);
        if (q.Exception is { } error) console.Write(new Panel(new Text(error)) { Header = new PanelHeader("Exception") });
        if (q.RecentProgress.Count == 0) return;
        var progress = new Table { Title = new TableTitle("Recent progress") }
            .AddColumns("Batch", "Timestamp", "Input rows", "Input rows/s", "Processed rows/s", "Duration (ms)");
        foreach (var p in q.RecentProgress.Select(StreamingQueryProgress.FromJson))
            progress.AddRow(p.BatchId.ToString(CultureInfo.InvariantCulture), p.Timestamp, p.NumInputRows.ToString(CultureInfo.InvariantCulture),
                Rate(p.InputRowsPerSecond), Rate(p.ProcessedRowsPerSecond), p.BatchDuration.ToString(CultureInfo.InvariantCulture));
        console.Write(progress);
    }

    private static void Print(IAnsiConsole console, StreamingQueryProgress p) => console.MarkupLineInterpolated(
        $"[grey]{p.Timestamp}[/] batch [bold]{p.BatchId}[/] input rows {p.NumInputRows} input/s {Rate(p.InputRowsPerSecond)} processed/s {Rate(p.ProcessedRowsPerSecond)} duration {p.BatchDuration} ms");

    private async Task<int> WithSessionAsync(ParseResult parse, CancellationToken cancellationToken,
        Func<IAnsiConsole, StreamSession, IReadOnlyList<QueryCatalogEntry>, Task<int>> action)
    {
        var console = consoleOf(parse.InvocationConfiguration.Output);
        await using var session = await ClusterConnection.ConnectAsync(configuration, cancellationToken);
        return await action(console, session, await session.Streams.ListAsync(cancellationToken));
    }

    private async Task<int> WithQueryAsync(ParseResult parse, Argument<string> query, CancellationToken cancellationToken,
        Func<IAnsiConsole, StreamSession, QueryCatalogEntry, CancellationToken, Task<int>> action)
    {
        var console = consoleOf(parse.InvocationConfiguration.Output);
        var name = parse.GetValue(query)!;
        await using var session = await ClusterConnection.ConnectAsync(configuration, cancellationToken);
        var entry = await session.Streams.DescribeAsync(name, cancellationToken)
            ?? throw new ArgumentException($"No query of the cluster has the name, id or checkpoint location '{name}': `orleansstream queries list` lists them.");
        return await action(console, session, entry, cancellationToken);
    }

    private static string Label(QueryCatalogEntry q) => q.Name ?? q.Id.ToString();
    private static string Time(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
    private static string Rate(double? rate) => ProgressView.Rate(rate);
}
