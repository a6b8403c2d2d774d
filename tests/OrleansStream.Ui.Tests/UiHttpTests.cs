using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.Json;
using Xunit.Abstractions;

namespace OrleansStream.Ui.Tests;

/// <summary>The UI's HTTP surface: the JSON API, the stop endpoint's key, the address it binds, /metrics, and no secret anywhere.</summary>
[Collection(UiCollection.Name)]
public sealed class UiHttpTests(UiFixture fixture, ITestOutputHelper output) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = fixture.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task Api_ListsTheQueryAsActive_WithItsLatestBatchAndAverageRates()
    {
        var (query, _) = await fixture.StartWindowedCountAsync("ui_api_windowed", [10, 11], [12, 20]);
        var entry = await fixture.Session.Streams.DescribeAsync(query.Id.ToString());

        var queries = await GetJsonAsync("api/queries");
        var row = queries.GetProperty("active").EnumerateArray().Single(q => q.GetProperty("id").GetGuid() == query.Id);
        var detail = await GetJsonAsync($"api/queries/{query.Id}");

        Assert.Equal("ui_api_windowed", row.GetProperty("name").GetString());
        Assert.Equal(query.RunId, row.GetProperty("runId").GetGuid());
        Assert.Equal("Active", row.GetProperty("status").GetString());
        var progress = detail.GetProperty("recentProgress").EnumerateArray().Select(p => StreamingQueryProgress.FromJson(p.GetRawText())).ToList();
        Assert.Equal(progress[^1].BatchId, detail.GetProperty("summary").GetProperty("latestBatchId").GetInt64());
        // Spark's tab: the mean of the known rates over the recent progress.
        Assert.Equal(progress.Select(p => p.ProcessedRowsPerSecond).Where(double.IsFinite).Average(),
            detail.GetProperty("summary").GetProperty("avgProcessedRowsPerSecond").GetDouble(), 6);
        Assert.Equal(entry!.CheckpointLocation, detail.GetProperty("checkpointLocation").GetString());
        Assert.Contains("Aggregate", detail.GetProperty("explain").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, detail.GetProperty("stageGraph").GetProperty("stages").GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("api/queries/no-such-query")).StatusCode);
        await query.StopAsync();
    }

    [Fact]
    public async Task StopEndpoint_RefusesWithoutTheKeyAndWithAWrongOne_AndStopsTheQueryWithIt()
    {
        var (query, _) = await fixture.StartWindowedCountAsync("ui_stop_windowed", [10, 11]);
        var stop = $"api/queries/{query.Id}/stop";

        using var withoutKey = await _http.PostAsync(stop, null);
        using var wrongKey = await PostAsync(stop, fixture.ApiKey + "x");
        using var emptyKey = await PostAsync(stop, "");

        Assert.Equal(HttpStatusCode.Unauthorized, withoutKey.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, wrongKey.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, emptyKey.StatusCode);
        Assert.True(query.IsActive);
        Assert.Equal(QueryCatalogStatus.Active, (await fixture.Session.Streams.DescribeAsync(query.Id.ToString()))!.Status);

        using var withKey = await PostAsync(stop, fixture.ApiKey);

        Assert.Equal(HttpStatusCode.OK, withKey.StatusCode);
        Assert.True(await query.AwaitTerminationAsync(TimeSpan.FromSeconds(60)), "the query stopped");
        Assert.Null(query.Exception);
        await Eventually(async () => (await GetJsonAsync($"api/queries/{query.Id}")).GetProperty("summary").GetProperty("status").GetString() == QueryCatalogStatus.Stopped);
    }

    [Fact]
    public async Task Ui_ListensOnlyOnItsConfiguredAddress()
    {
        Assert.Equal([$"http://127.0.0.1:{fixture.Port.ToString(CultureInfo.InvariantCulture)}"], fixture.Server.Addresses);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("index.html")).StatusCode);

        // Another address of this machine: 127.0.0.2 (Linux routes all of 127/8 to lo) and every address of its interfaces.
        var others = NetworkInterface.GetAllNetworkInterfaces().Where(n => n.OperationalStatus == OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses.Select(a => a.Address))
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            .Append(IPAddress.Parse("127.0.0.2"));
        foreach (var address in others)
        {
            using var client = new TcpClient();
            var refused = await Assert.ThrowsAsync<SocketException>(async () => await client.ConnectAsync(address, fixture.Port));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }
    }

    [Fact]
    public async Task MetricsEndpoint_ServesTheEngineInstrumentsInPrometheusFormat()
    {
        var (query, _) = await fixture.StartWindowedCountAsync("ui_metrics_windowed", [10, 11, 12]);

        var scrape = "";
        await Eventually(async () => (scrape = await _http.GetStringAsync("metrics")).Contains(query.Id.ToString(), StringComparison.Ordinal));

        Assert.Contains("orleansstream_input_rows", scrape, StringComparison.Ordinal);
        Assert.Contains("orleansstream_state_rows", scrape, StringComparison.Ordinal);
        // Buckets for seconds (an epoch takes milliseconds), not the exporter's defaults meant for milliseconds.
        Assert.Matches("orleansstream_epoch_duration_seconds_bucket\\{[^}]*le=\"0.25\"\\}", scrape);
        output.WriteLine(string.Join('\n', scrape.Split('\n').Where(line => line.Contains(query.Id.ToString(), StringComparison.Ordinal))
            .GroupBy(line => line[..line.IndexOf('{')]).Select(family => family.First())));   // one line of each instrument
        await query.StopAsync();
    }

    [Fact]
    public async Task NoPageJsonOrMetric_CarriesTheConnectionStringsKeyOrTheApiKey()
    {
        var (query, _) = await fixture.StartWindowedCountAsync("ui_secrets_windowed", [10, 11]);
        var input = fixture.Session.CreateMemoryStream<long>();
        var failing = await input.ToDF().WriteStream.QueryName("ui_secrets_failed")
            .ForeachBatch((_, _) => throw new InvalidOperationException($"Could not write to {fixture.ConnectionString}"))
            .StartAsync();
        await input.AddDataAsync(1);
        await Assert.ThrowsAnyAsync<Exception>(() => failing.ProcessAllAvailableAsync());
        await Eventually(async () => (await fixture.Session.Streams.DescribeAsync(failing.Id.ToString()))?.Status == QueryCatalogStatus.Failed);
        var accountKey = fixture.ConnectionString.Split(';').Select(p => p.Split('=', 2)).Single(p => p[0] == "AccountKey")[1];
        Assert.Equal(Azurite.AccountKey, accountKey);

        string[] paths = ["", "index.html", "query.html", "js/common.js", "js/queries.js", "js/query.js", "js/stagegraph.js", "app.css",
            "api/queries", $"api/queries/{query.Id}", $"api/queries/{failing.Id}", "metrics"];
        foreach (var path in paths)
        {
            using var response = await _http.GetAsync(path);
            Assert.True(response.IsSuccessStatusCode, $"GET /{path}: {response.StatusCode}");
            var body = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain(accountKey, body, StringComparison.Ordinal);
            Assert.DoesNotContain(fixture.ApiKey, body, StringComparison.Ordinal);
        }
        var failed = await GetJsonAsync($"api/queries/{failing.Id}");
        Assert.Contains("AccountKey=***", failed.GetProperty("summary").GetProperty("exception").GetString(), StringComparison.Ordinal);
        await query.StopAsync();
    }

    private async Task<HttpResponseMessage> PostAsync(string path, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.TryAddWithoutValidation("X-Api-Key", key);
        return await _http.SendAsync(request);
    }

    private async Task<JsonElement> GetJsonAsync(string path) => JsonElement.Parse(await _http.GetStringAsync(path));

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition held within 30 s");
            await Task.Delay(200);
        }
    }
}
