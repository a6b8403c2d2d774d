using Microsoft.Extensions.Time.Testing;
using OrleansStream.Client.Tests.Infrastructure;

namespace OrleansStream.Client.Tests.Streaming;

/// <summary>A query that cannot keep up falls behind in epochs of bounded size, and says so in its progress.</summary>
public sealed class AdmissionTests
{
    [Fact]
    public async Task RateSource_TakesAtMostMaxRowsPerTrigger_AndReportsTheRowsLeftBehind()
    {
        using var dir = new TempDirectory();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path, TimeProvider = clock });
        var query = await session.ReadStream.Format("rate").Option("rowsPerSecond", 1000).Option("maxRowsPerTrigger", 300).Load()
            .WriteStream.Format("noop").StartAsync();
        await query.ProcessAllAvailableAsync();

        // One second of the source's clock makes 1,000 rows; each epoch admits 300 of them.
        clock.Advance(TimeSpan.FromSeconds(1));
        await query.ProcessAllAvailableAsync();
        var epochs = query.RecentProgress.Where(p => p.NumInputRows > 0).ToList();
        Assert.Equal([300L, 300L, 300L, 100L], epochs.Select(p => p.NumInputRows));
        Assert.Equal(["700", "400", "100"], epochs.Take(3).Select(p => p.Sources[0].Metrics["rowsBehindLatest"]));
        Assert.Empty(epochs[^1].Sources[0].Metrics);
        await query.StopAsync();
    }

    [Fact]
    public async Task FileSource_TakesAtMostMaxBytesPerTrigger_ButAlwaysOneFile()
    {
        using var dir = new TempDirectory();
        var input = dir.Sub("in");
        for (var f = 0; f < 5; f++) TempDirectory.WriteFile(input, $"f{f}.json", string.Concat(Enumerable.Range(0, 10).Select(i => $"{{\"id\":{f * 10 + i}}}\n")));
        var size = Directory.GetFiles(input).Max(f => new FileInfo(f).Length);
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path });
        var query = await session.ReadStream.Schema("id INT").Option("maxBytesPerTrigger", 2 * size).Json(input)
            .WriteStream.Format("memory").QueryName("admitted_files").StartAsync();
        await query.ProcessAllAvailableAsync();

        Assert.Equal([20L, 20L, 10L], query.RecentProgress.Select(p => p.NumInputRows));
        Assert.Equal(["3", "1"], query.RecentProgress.Take(2).Select(p => p.Sources[0].Metrics["filesBehindLatest"]));
        Assert.Equal(50, (await session.Table("admitted_files").CollectAsync()).Count);
        await query.StopAsync();
    }
}

/// <summary>Spark's FileStreamSourceSuite "SPARK-30669: maxFilesPerTrigger - ignored when using Trigger.Once", ported.</summary>
public sealed class TriggerOnceReadLimitTests
{
    [Fact]
    public async Task MaxFilesPerTrigger_IsIgnoredWhenUsingTriggerOnce()
    {
        using var dir = new TempDirectory();
        var src = dir.Sub("src");
        var target = Path.Combine(dir.Path, "data");
        void CreateFile(int data) => TempDirectory.WriteFile(src, $"{data}.txt", data.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path });
        Task<StreamingQuery> StartQuery() => session.ReadStream.Option("maxFilesPerTrigger", 1).Text(src)
            .WriteStream.Format("parquet").Trigger(Trigger.Once()).Option("checkpointLocation", "chk").StartAsync(target);
        async Task<string[]> Output() => (await session.Read.Parquet(target).CollectAsync()).Select(r => (string)r["value"]!).Order(StringComparer.Ordinal).ToArray();

        CreateFile(1);
        CreateFile(2);
        CreateFile(3);
        var q = await StartQuery();
        Assert.True(await q.AwaitTerminationAsync(TimeSpan.FromSeconds(60)));
        Assert.Single(q.RecentProgress, p => p.NumInputRows != 0); // only one trigger was run
        Assert.Equal(["1", "2", "3"], await Output());

        CreateFile(4);
        CreateFile(5);
        var q2 = await StartQuery();
        Assert.True(await q2.AwaitTerminationAsync(TimeSpan.FromSeconds(60)));
        Assert.Single(q2.RecentProgress, p => p.NumInputRows != 0);
        Assert.Equal(["1", "2", "3", "4", "5"], await Output());
    }
}
