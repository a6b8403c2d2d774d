using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace OrleansStream.Ui.Tests;

/// <summary>The UI's pages in a real headless Chromium, checked against the query's own progress and catalog entry.</summary>
[Collection(UiCollection.Name)]
public sealed class QueryPageBrowserTests(UiFixture fixture, BrowserFixture browser, ITestOutputHelper output) : IClassFixture<BrowserFixture>
{
    private static readonly string[] Charts =
        ["chart-input-rate", "chart-process-rate", "chart-input-rows", "chart-batch-duration", "chart-phases", "chart-state-rows", "chart-state-memory", "chart-lag"];

    [Fact]
    public async Task QueryPage_ShowsTheLatestBatchOfTheQueryProgress_DrawsEveryChartAndTheStageGraph()
    {
        var (query, input) = await fixture.StartWindowedCountAsync("ui_browser_windowed", [10, 11, 12], [13, 21], [22, 23, 24, 25, 26], [40, 41]);
        var entry = await CatalogCaughtUpAsync(query);
        var last = StreamingQueryProgress.FromJson(entry.LastProgress!);
        var epochs = entry.RecentProgress.Select(StreamingQueryProgress.FromJson).Where(p => p.DurationMs.ContainsKey("addBatch")).ToList();
        // Four additions, and the epochs the watermark's moves ran without new data.
        Assert.True(epochs.Count >= 4, $"{epochs.Count} epochs ran");
        var errors = new List<string>();
        var page = await browser.NewPageAsync(errors);

        await page.GotoAsync(new Uri(fixture.BaseAddress, $"query.html?id={query.Id}").ToString());
        await page.WaitForFunctionAsync("batch => document.getElementById('latest-batch').textContent === batch", last.BatchId.ToString(CultureInfo.InvariantCulture));
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#stage-graph svg g.node').length > 0");

        Assert.Equal(query.Name, await Text(page, "name"));
        Assert.Equal("Active", await Text(page, "status"));
        Assert.Equal(query.Id.ToString(), await Text(page, "query-id"));
        Assert.Equal(query.RunId.ToString(), await Text(page, "run-id"));
        Assert.Equal(last.NumInputRows.ToString("N0", CultureInfo.InvariantCulture), await Text(page, "latest-input-rows"));
        Assert.Equal(last.ProcessedRowsPerSecond, double.Parse((await Text(page, "latest-process-rate")).Replace(",", ""), CultureInfo.InvariantCulture), 0.051);
        Assert.Equal($"{last.BatchDuration.ToString("N0", CultureInfo.InvariantCulture)} ms", await Text(page, "latest-duration"));
        var stateRows = Assert.Single(last.StateOperators).NumRowsTotal;
        Assert.True(stateRows > 0);
        Assert.Equal(stateRows.ToString("N0", CultureInfo.InvariantCulture), await Text(page, "state-rows-total"));
        Assert.Equal(PageTime(last.EventTime["watermark"]), await Text(page, "watermark"));
        // The last epoch may have run without data (the watermark's move evicting windows): no event times then.
        Assert.Equal(PageTime(last.EventTime.GetValueOrDefault("max")), await Text(page, "max-event-time"));

        // Every chart drew pixels on a canvas of non-zero size, and its data are the progress of the epochs that ran.
        var charts = JsonElement.Parse(await page.EvaluateAsync<string>("""
            ids => JSON.stringify(ids.map(id => {
              const canvas = document.getElementById(id);
              const chart = Chart.getChart(canvas);
              const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
              let painted = 0;
              for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
              return { id, width: canvas.width, height: canvas.height, painted, labels: chart.data.labels,
                       series: chart.data.datasets.map(d => d.data) };
            }))
            """, Charts));
        var batchIds = epochs.Select(p => p.BatchId.ToString(CultureInfo.InvariantCulture)).ToList();
        foreach (var chart in charts.EnumerateArray())
        {
            var id = chart.GetProperty("id").GetString();
            Assert.True(chart.GetProperty("width").GetInt32() > 0 && chart.GetProperty("height").GetInt32() > 0, $"{id} has a size");
            Assert.True(chart.GetProperty("painted").GetInt32() > 500, $"{id} drew on its canvas");
            Assert.Equal(batchIds, chart.GetProperty("labels").EnumerateArray().Select(l => l.GetString()!).ToList());
            Assert.All(chart.GetProperty("series").EnumerateArray(), s => Assert.Equal(epochs.Count, s.GetArrayLength()));
        }
        Assert.Equal(epochs.Select(p => p.NumInputRows), Series(charts, "chart-input-rows", 0).Select(v => v.GetInt64()));
        Assert.Equal(epochs.Select(p => p.BatchDuration), Series(charts, "chart-batch-duration", 0).Select(v => v.GetInt64()));
        Assert.Equal(epochs.Select(p => p.StateOperators[0].NumRowsTotal), Series(charts, "chart-state-rows", 0).Select(v => v.GetInt64()));
        Assert.Equal(epochs.Select(p => p.DurationMs["walCommit"]), Series(charts, "chart-phases", 1).Select(v => v.GetInt64()));

        // The stage graph: the source stage, the aggregation's keyed stage and the sink.
        var nodes = await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('#stage-graph svg g.node')].map(n => n.textContent)");
        Assert.Equal(3, nodes.Length);
        Assert.Contains(nodes, n => n.Contains("stateStoreSave", StringComparison.Ordinal));
        Assert.Contains(nodes, n => n.Contains("source: memory", StringComparison.Ordinal));
        Assert.Contains(nodes, n => n.StartsWith("Sink", StringComparison.Ordinal));
        Assert.Contains("hash by key", await page.InnerTextAsync("#stage-graph"), StringComparison.Ordinal);
        await Screenshot(page, "query-page.png");

        // Live refresh: a new epoch appears on the open page without reloading it.
        await input.AddDataAsync(50, 51, 52);
        await query.ProcessAllAvailableAsync();
        var next = StreamingQueryProgress.FromJson((await CatalogCaughtUpAsync(query)).LastProgress!);
        Assert.True(next.BatchId > last.BatchId);
        await page.WaitForFunctionAsync("batch => document.getElementById('latest-batch').textContent === batch", next.BatchId.ToString(CultureInfo.InvariantCulture));
        await page.WaitForFunctionAsync("batch => Chart.getChart(document.getElementById('chart-input-rows')).data.labels.includes(batch)", next.BatchId.ToString(CultureInfo.InvariantCulture));
        last = next;

        // The list of queries shows the same latest batch.
        await page.GotoAsync(new Uri(fixture.BaseAddress, "index.html").ToString());
        var row = page.Locator($"#active tr[data-query-id='{query.Id}']");
        await row.Locator("td.latest-batch").Filter(new() { HasText = last.BatchId.ToString(CultureInfo.InvariantCulture) }).WaitForAsync();
        Assert.Equal(query.Name, await row.Locator("a").InnerTextAsync());
        await Screenshot(page, "queries-page.png");

        Assert.Empty(errors);
        await query.StopAsync();
    }

    [Fact]
    public async Task FailedQueryPage_ShowsTheException_WithTheConnectionStringsKeyMasked()
    {
        var input = fixture.Session.CreateMemoryStream<long>();
        var query = await input.ToDF().WriteStream.QueryName("ui_browser_failed")
            .ForeachBatch((_, _) => throw new InvalidOperationException($"Could not write to the store at {fixture.ConnectionString}"))
            .StartAsync();
        await input.AddDataAsync(1, 2, 3);
        await Assert.ThrowsAnyAsync<Exception>(() => query.ProcessAllAvailableAsync());
        var errors = new List<string>();
        var page = await browser.NewPageAsync(errors);

        await page.GotoAsync(new Uri(fixture.BaseAddress, $"query.html?id={query.Id}").ToString());
        await page.WaitForFunctionAsync("() => document.getElementById('status').textContent === 'Failed'");

        var exception = await page.InnerTextAsync("#exception");
        Assert.Contains("Could not write to the store at", exception, StringComparison.Ordinal);
        Assert.Contains("AccountKey=***", exception, StringComparison.Ordinal);
        Assert.DoesNotContain(Azurite.AccountKey, await page.ContentAsync(), StringComparison.Ordinal);
        Assert.True(await page.IsDisabledAsync("#stop"));
        await Screenshot(page, "failed-query-page.png");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task StopButton_RefusesAWrongKey_AndStopsTheQueryWithTheRightOne()
    {
        var (query, _) = await fixture.StartWindowedCountAsync("ui_browser_stop", [10, 11]);
        var errors = new List<string>();
        var page = await browser.NewPageAsync(errors);
        await page.GotoAsync(new Uri(fixture.BaseAddress, $"query.html?id={query.Id}").ToString());
        await page.WaitForFunctionAsync("() => document.getElementById('status').textContent === 'Active'");

        await page.FillAsync("#api-key", "not-the-key");
        await page.ClickAsync("#stop");
        await page.WaitForFunctionAsync("() => document.getElementById('stop-result').textContent !== ''");

        Assert.Contains("does not carry this silo's API key", await Text(page, "stop-result"), StringComparison.Ordinal);
        Assert.True(query.IsActive);

        await page.FillAsync("#api-key", fixture.ApiKey);
        await page.ClickAsync("#stop");

        Assert.True(await query.AwaitTerminationAsync(TimeSpan.FromSeconds(60)), "the query stopped");
        await page.WaitForFunctionAsync("() => document.getElementById('status').textContent === 'Stopped'");
        Assert.True(await page.IsDisabledAsync("#stop"));
        Assert.DoesNotContain(fixture.ApiKey, await page.ContentAsync(), StringComparison.Ordinal);
        // The refused request is the one error the console saw.
        Assert.All(errors, e => Assert.Contains("403", e, StringComparison.Ordinal));
    }

    // The catalog hears of progress one-way: wait until it has the query's latest.
    private async Task<QueryCatalogEntry> CatalogCaughtUpAsync(StreamingQuery query)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var entry = await fixture.Session.Streams.DescribeAsync(query.Id.ToString());
            if (entry?.LastProgress is { } json && StreamingQueryProgress.FromJson(json).BatchId == query.LastProgress!.BatchId) return entry;
            Assert.True(DateTime.UtcNow < deadline, "the catalog has the query's latest progress within 30 s");
            await Task.Delay(100);
        }
    }

    private static async Task<string> Text(IPage page, string id) => await page.TextContentAsync($"#{id}") ?? "";

    private static IEnumerable<JsonElement> Series(JsonElement charts, string id, int dataset) =>
        charts.EnumerateArray().Single(c => c.GetProperty("id").GetString() == id).GetProperty("series")[dataset].EnumerateArray();

    // The page shows UTC times as "yyyy-MM-dd HH:mm:ss".
    private static string PageTime(string? iso) => iso is null ? "" :
        DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private async Task Screenshot(IPage page, string name)
    {
        var path = Path.Combine(BrowserFixture.ArtifactsDirectory, name);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        output.WriteLine($"screenshot: {path}");
        Console.WriteLine($"UI screenshot: {path}");
    }
}
