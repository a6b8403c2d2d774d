using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Xunit;

namespace OrleansStream.Samples.Tests;

/// <summary>
/// The ClickCounter sample end to end (issue 21 item 7): the real web application with its embedded silo, driven over HTTP:
/// clicks posted to the ingest are counted per user (live lookup) and per window (server-sent events); bad input is a 400
/// that stores nothing.
/// </summary>
public sealed class ClickCounterTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    // One minute window for every click, so that a minute boundary during the test cannot split the counts.
    private const string Ts = "2026-01-01T00:00:10Z";
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"clickcounter-{Guid.NewGuid():N}");
    private WebApplicationFactory<Program> _factory = null!;

    public Task InitializeAsync()
    {
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web.UseSetting("ClickCounter:DataDirectory", _dataDirectory));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        // The stopped application's silo writes nothing more: its data folder can go at once.
        if (Directory.Exists(_dataDirectory)) Directory.Delete(_dataDirectory, recursive: true);
    }

    [Fact]
    public async Task PostedClicks_AreCountedPerUser_AndStreamedPerWindow_BadInputIs400AndStoresNothing()
    {
        using var client = _factory.CreateClient();
        using var timeout = new CancellationTokenSource(Patience);
        using var updates = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/updates"), HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal("text/event-stream", updates.Content.Headers.ContentType?.MediaType);
        using var events = new StreamReader(await updates.Content.ReadAsStreamAsync(timeout.Token));

        Assert.Equal(0, await CountAsync(client, "ada"));
        var posted = await client.PostAsync("/clicks", Body($$"""
            [{"user":"ada","page":"/home","ts":"{{Ts}}"},{"user":"bob","page":"/home","ts":"{{Ts}}"},{"user":"ada","page":"/docs","ts":"{{Ts}}"}]
            """));
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);

        var first = await NextEventsAsync(events, 2, timeout.Token);
        Assert.Equal(["ada 00:00-00:01 2", "bob 00:00-00:01 1"], first);
        await WaitForCountAsync(client, "ada", 2);
        Assert.Equal(1, await CountAsync(client, "bob"));
        Assert.Equal(0, await CountAsync(client, "nobody"));

        // A row that does not fit the schema refuses the whole post, naming row and column; malformed JSON names the spot.
        var missingUser = await client.PostAsync("/clicks", Body($$"""[{"user":"ada","ts":"{{Ts}}"},{"page":"/x","ts":"{{Ts}}"}]"""));
        Assert.Equal(HttpStatusCode.BadRequest, missingUser.StatusCode);
        Assert.Equal("Ingest 'clicks': row 1, column 'user' is null but the column is NOT NULL; nothing was appended.", await ErrorAsync(missingUser));
        var malformed = await client.PostAsync("/clicks", Body("""{"user":"ada","""));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.StartsWith("The body is not a click or an array of clicks:", await ErrorAsync(malformed));
        var badTimestamp = await client.PostAsync("/clicks", Body("""{"user":"ada","ts":"yesterday"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, badTimestamp.StatusCode);
        Assert.Contains("$.ts", await ErrorAsync(badTimestamp));

        // One object is one click; the refused posts added nothing to ada's count.
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/clicks", Body($$"""{"user":"ada","page":"/blog","ts":"{{Ts}}"}"""))).StatusCode);
        Assert.Equal(["ada 00:00-00:01 3"], await NextEventsAsync(events, 1, timeout.Token));
        await WaitForCountAsync(client, "ada", 3);
    }

    private static StringContent Body(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    private static async Task<string?> ErrorAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString();

    private static async Task<long> CountAsync(HttpClient client, string user)
    {
        var answer = await client.GetFromJsonAsync<JsonElement>($"/users/{user}/count");
        Assert.Equal(user, answer.GetProperty("user").GetString());
        return answer.GetProperty("clicks").GetInt64();
    }

    // The lookup answers the last committed epoch, which the subscription may have heard of a moment before.
    private static async Task WaitForCountAsync(HttpClient client, string user, long expected)
    {
        var deadline = DateTime.UtcNow + Patience;
        long count;
        while ((count = await CountAsync(client, user)) != expected && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.Equal(expected, count);
    }

    // The next `count` events, which must come from one epoch (one post is one append, read by one epoch), as "user start-end clicks", sorted.
    private static async Task<List<string>> NextEventsAsync(StreamReader events, int count, CancellationToken cancellationToken)
    {
        var rows = new List<string>();
        long? batchId = null;
        while (rows.Count < count)
        {
            var line = await events.ReadLineAsync(cancellationToken) ?? throw new InvalidOperationException("The event stream ended.");
            if (line.Length == 0) continue;
            Assert.StartsWith("data: ", line);
            var update = JsonDocument.Parse(line["data: ".Length..]).RootElement;
            batchId ??= update.GetProperty("batchId").GetInt64();
            Assert.Equal(batchId, update.GetProperty("batchId").GetInt64());
            rows.Add($"{update.GetProperty("user").GetString()} {update.GetProperty("windowStart").GetDateTime():HH:mm}-{update.GetProperty("windowEnd").GetDateTime():HH:mm} {update.GetProperty("clicks").GetInt64()}");
        }
        return rows.Order().ToList();
    }
}
