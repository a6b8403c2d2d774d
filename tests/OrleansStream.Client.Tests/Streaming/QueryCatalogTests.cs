using Microsoft.Extensions.DependencyInjection;
using OrleansStream.Grains.Hosting;

namespace OrleansStream.Client.Tests.Streaming;

/// <summary>
/// The query catalog (DESIGN §4): every client of the cluster lists every query through <c>session.Streams</c>, with its
/// runs, status, bounded recent progress and the error of a failed run, and the catalog outlives the silo.
/// </summary>
public sealed class QueryCatalogTests
{
    [Fact]
    public async Task AQueryStartedByOneClient_IsListedDescribedAndStoppedByAnother()
    {
        using var dir = new TempDirectory();
        var gateway = Ports.Free();
        await using var silo = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path, SiloPort = Ports.Free(), GatewayPort = gateway, ClusterId = "catalog-clients" });
        await using var other = await StreamSession.ConnectAsync(new StreamSessionOptions { GatewayPort = gateway, ClusterId = "catalog-clients" });
        var numbers = silo.CreateMemoryStream<int>();
        var query = await numbers.ToDF().WriteStream.Format("memory").QueryName("numbers").StartAsync();
        await numbers.AddDataAsync(1, 2, 3);
        await query.ProcessAllAvailableAsync();

        Assert.Empty(other.Streams.Active); // this session started nothing
        var listed = Assert.Single(await other.Streams.ListAsync());
        Assert.Equal((query.Id, query.RunId, "numbers", QueryCatalogStatus.Active), (listed.Id, listed.RunId, listed.Name, listed.Status));
        Assert.Contains("StreamingRelation memory", listed.Explain);
        var progress = await EventuallyAsync(other, "numbers", e => e.LastProgress is not null);
        Assert.Equal(3, StreamingQueryProgress.FromJson(progress.LastProgress!).NumInputRows);
        Assert.Equal(query.Id, (await other.Streams.DescribeAsync(query.Id.ToString()))?.Id);

        await other.Streams.StopAsync("numbers");

        Assert.True(await query.AwaitTerminationAsync(TimeSpan.FromSeconds(60)));
        var stopped = await EventuallyAsync(other, "numbers", e => e.Status != QueryCatalogStatus.Active);
        Assert.Equal(QueryCatalogStatus.Stopped, stopped.Status);
        Assert.Null(stopped.Exception);
        await Assert.ThrowsAsync<ArgumentException>(() => other.Streams.StopAsync("no-such-query"));
    }

    [Fact]
    public async Task ProgressHistoryAndEndedQueries_AreBounded()
    {
        using var dir = new TempDirectory();
        await using var session = await StreamSession.StartLocalAsync(new EmbeddedSiloOptions
        {
            DataDirectory = dir.Path,
            ConfigureSilo = s => s.Services.PostConfigure<OrleansStreamOptions>(o => (o.CatalogProgressCount, o.CatalogCompletedQueries) = (3, 1)),
        });
        var numbers = session.CreateMemoryStream<int>();
        var query = await numbers.ToDF().WriteStream.Format("memory").QueryName("bounded").StartAsync();
        for (var i = 0; i < 5; i++)
        {
            await numbers.AddDataAsync(i);
            await query.ProcessAllAvailableAsync();
        }

        var entry = await EventuallyAsync(session, "bounded", e => e.LastProgress is { } p && StreamingQueryProgress.FromJson(p).BatchId == 4);
        Assert.Equal([2L, 3L, 4L], entry.RecentProgress.Select(p => StreamingQueryProgress.FromJson(p).BatchId));

        await query.StopAsync();
        await EventuallyAsync(session, "bounded", e => e.Status == QueryCatalogStatus.Stopped);
        var second = await session.CreateMemoryStream<int>().ToDF().WriteStream.Format("memory").QueryName("second").StartAsync();
        await second.StopAsync();
        await EventuallyAsync(session, "second", e => e.Status == QueryCatalogStatus.Stopped);

        // One ended query is kept: the one that ended first is forgotten.
        Assert.Equal(["second"], (await session.Streams.ListAsync()).Select(e => e.Name));
    }

    [Fact]
    public async Task AFailedRun_ShowsItsException_AndTheCatalogSurvivesASiloRestart()
    {
        using var dir = new TempDirectory();
        var input = dir.Sub("in");
        TempDirectory.WriteFile(input, "bad.json", "{\"id\": 1}\n{\"id\": \n");
        Guid id;
        await using (var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path }))
        {
            var query = await session.ReadStream.Schema("id INT").Option("mode", "FAILFAST").Json(input)
                .WriteStream.Format("memory").QueryName("failing").StartAsync();
            await Assert.ThrowsAsync<StreamingQueryException>(() => query.ProcessAllAvailableAsync());
            id = query.Id;
            var failed = await EventuallyAsync(session, "failing", e => e.Status != QueryCatalogStatus.Active);
            Assert.Equal(QueryCatalogStatus.Failed, failed.Status);
            Assert.Contains("bad.json", failed.Exception);
        }

        await using var restarted = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path });
        var entry = Assert.Single(await restarted.Streams.ListAsync());
        Assert.Equal((id, "failing", QueryCatalogStatus.Failed), (entry.Id, entry.Name, entry.Status));
        Assert.Contains("bad.json", entry.Exception);
    }

    // Progress and ends of runs reach the catalog one-way, a moment after the client hears of them.
    private static async Task<QueryCatalogEntry> EventuallyAsync(StreamSession session, string name, Func<QueryCatalogEntry, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var entry = await session.Streams.DescribeAsync(name);
            if (entry is not null && condition(entry)) return entry;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The catalog's entry for '{name}' did not reach the expected state.");
            await Task.Delay(100);
        }
    }
}
