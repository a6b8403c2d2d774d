using OrleansStream.Interfaces.Progress;
using OrleansStream.Interfaces.Queries;
using OrleansStream.Silo;
using Spectre.Console;

namespace OrleansStream.Client.Tests.Cli;

/// <summary>The view `progress --follow` redraws on a terminal: the latest epoch's numbers, its phase split and the recent epochs.</summary>
public sealed class ProgressViewTests
{
    [Fact]
    public void LatestEpoch_ShowsItsRowsRatesPhasesWatermarkAndStateRows()
    {
        var query = new QueryCatalogEntry { Id = Guid.NewGuid(), Name = "windows", RunIds = [Guid.NewGuid()] };
        var progress = Enumerable.Range(0, 12).Select(i => new StreamingQueryProgress
        {
            RunId = query.RunId, BatchId = i, Timestamp = $"2026-01-01T00:00:{i:D2}.000Z", NumInputRows = 100 + i, BatchDuration = 40 + i,
            InputRowsPerSecond = 1234.56, ProcessedRowsPerSecond = 2500.5,
            DurationMs = new() { ["latestOffset"] = 3, ["walCommit"] = 7, ["addBatch"] = 20 + i, ["commitOffsets"] = 9, ["triggerExecution"] = 40 + i },
            EventTime = new() { ["watermark"] = $"2026-01-01T00:00:0{i % 10}.000Z" },
            StateOperators = [new StateOperatorProgress { OperatorName = "stateStoreSave", NumRowsTotal = 4321 + i }],
            Sink = new SinkProgress { NumOutputRows = 7 },
        }).ToList();

        var text = Render(ProgressView.Render(query, progress));

        Assert.Contains("windows", text);
        Assert.Matches(@"Batch\s+11\s", text);
        Assert.Matches(@"Input rows\s+111\s", text);
        Assert.Matches(@"Input rows/s\s+1234\.6\s", text);
        Assert.Matches(@"Processed rows/s\s+2500\.5\s", text);
        Assert.Matches(@"Batch duration\s+51 ms", text);
        Assert.Matches(@"Watermark\s+2026-01-01T00:00:01\.000Z", text);
        Assert.Matches(@"State rows\s+stateStoreSave 4,332", text);
        foreach (var phase in new[] { "latestOffset 3 ms", "walCommit 7 ms", "addBatch 31 ms", "commitOffsets 9 ms" }) Assert.Contains(phase, text);
        Assert.DoesNotContain("triggerExecution", text);
        // The recent table keeps the last ten epochs, newest first.
        Assert.Contains("│ 11 ", text);
        Assert.Contains("│ 2 ", text);
        Assert.DoesNotContain("│ 1 ", text);
        Assert.True(text.IndexOf("│ 11 ", StringComparison.Ordinal) < text.IndexOf("│ 2 ", StringComparison.Ordinal));
    }

    [Fact]
    public void NoProgressYet_SaysItWaits()
    {
        var text = Render(ProgressView.Render(new QueryCatalogEntry { Id = Guid.NewGuid(), Name = "idle" }, []));

        Assert.Contains("idle", text);
        Assert.Contains("No progress yet", text);
    }

    private static string Render(Spectre.Console.Rendering.IRenderable view)
    {
        using var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 200;
        console.Write(view);
        return writer.ToString();
    }
}
