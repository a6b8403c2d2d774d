using System.Globalization;
using OrleansStream.Interfaces.Progress;
using OrleansStream.Interfaces.Queries;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace OrleansStream.Silo;

/// <summary>
/// What `progress --follow` shows on a terminal, redrawn in place as progress arrives: the latest epoch (batch id, input
/// rows, rates, duration and its split into phases, watermark, state rows) above a table of the recent ones.
/// </summary>
internal static class ProgressView
{
    /// <summary>How many recent epochs the table under the latest one keeps.</summary>
    public const int RecentRows = 10;

    // The phases of Spark's durationMs in the order an epoch runs them; triggerExecution is their whole.
    private static readonly string[] Phases = ["latestOffset", "queryPlanning", "getBatch", "walCommit", "addBatch", "commitOffsets", "checkpointStorageStall"];
    private static readonly Color[] PhaseColors = [Color.Grey, Color.Blue, Color.Teal, Color.Yellow, Color.Green, Color.Fuchsia, Color.Red];

    /// <summary>The view of <paramref name="query"/> with its progress so far (oldest first).</summary>
    public static IRenderable Render(QueryCatalogEntry query, IReadOnlyList<StreamingQueryProgress> progress)
    {
        var header = new Markup(string.Create(CultureInfo.InvariantCulture,
            $"[bold]{Markup.Escape(query.Name ?? query.Id.ToString())}[/]  id {query.Id}  run {query.RunId}  {Status(query.Status)}  [grey](Ctrl+C to stop following)[/]"));
        if (progress.Count == 0) return new Rows(header, new Markup("[grey]No progress yet: waiting for the first trigger.[/]"));

        var last = progress[^1];
        var latest = new Grid().AddColumn().AddColumn();
        void Row(string name, string value) => latest.AddRow(new Text(name, new Style(decoration: Decoration.Bold)), new Text(value));
        Row("Batch", last.BatchId.ToString(CultureInfo.InvariantCulture));
        Row("Timestamp", last.Timestamp);
        Row("Input rows", last.NumInputRows.ToString("N0", CultureInfo.InvariantCulture));
        Row("Input rows/s", Rate(last.InputRowsPerSecond));
        Row("Processed rows/s", Rate(last.ProcessedRowsPerSecond));
        Row("Batch duration", $"{last.BatchDuration.ToString(CultureInfo.InvariantCulture)} ms");
        if (last.EventTime.TryGetValue("watermark", out var watermark)) Row("Watermark", watermark);
        if (last.StateOperators.Count > 0)
            Row("State rows", string.Join("  ", last.StateOperators.Select(s => $"{s.OperatorName} {s.NumRowsTotal.ToString("N0", CultureInfo.InvariantCulture)}")));
        Row("Sink rows", last.Sink.NumOutputRows.ToString("N0", CultureInfo.InvariantCulture));

        var rows = new List<IRenderable> { header, new Panel(latest) { Header = new PanelHeader("Latest epoch"), Expand = true } };
        var split = PhaseSplit(last);
        if (split.Data.Count > 0) rows.Add(split);
        rows.Add(Recent(progress));
        return new Rows(rows);
    }

    // The latest epoch's durationMs as one bar split into its phases, with each phase's milliseconds.
    private static BreakdownChart PhaseSplit(StreamingQueryProgress p)
    {
        var chart = new BreakdownChart().ShowTagValues().UseValueFormatter((value, _) => $"{value.ToString("0", CultureInfo.InvariantCulture)} ms");
        for (var i = 0; i < Phases.Length; i++)
            if (p.DurationMs.TryGetValue(Phases[i], out var ms) && ms > 0) chart.AddItem(Phases[i], ms, PhaseColors[i]);
        return chart;
    }

    private static Table Recent(IReadOnlyList<StreamingQueryProgress> progress)
    {
        var table = new Table { Title = new TableTitle("Recent epochs") }
            .AddColumns("Batch", "Timestamp", "Input rows", "Input rows/s", "Processed rows/s", "Duration (ms)", "addBatch (ms)", "Watermark", "State rows");
        foreach (var p in progress.Skip(Math.Max(0, progress.Count - RecentRows)).Reverse())
            table.AddRow(p.BatchId.ToString(CultureInfo.InvariantCulture), p.Timestamp, p.NumInputRows.ToString(CultureInfo.InvariantCulture),
                Rate(p.InputRowsPerSecond), Rate(p.ProcessedRowsPerSecond), p.BatchDuration.ToString(CultureInfo.InvariantCulture),
                p.DurationMs.TryGetValue("addBatch", out var run) ? run.ToString(CultureInfo.InvariantCulture) : "",
                Markup.Escape(p.EventTime.GetValueOrDefault("watermark") ?? ""),
                p.StateOperators.Count > 0 ? p.StateOperators.Sum(s => s.NumRowsTotal).ToString(CultureInfo.InvariantCulture) : "");
        return table;
    }

    /// <summary>A rate as the tables print it: one decimal, empty when unknown.</summary>
    public static string Rate(double? rate) => rate is { } r && !double.IsNaN(r) ? r.ToString("F1", CultureInfo.InvariantCulture) : "";

    /// <summary>A catalog status, coloured.</summary>
    public static string Status(string status) => status switch
    {
        QueryCatalogStatus.Active => "[green]Active[/]",
        QueryCatalogStatus.Failed => "[red]Failed[/]",
        _ => Markup.Escape(status),
    };
}
