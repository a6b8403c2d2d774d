using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.Streaming;

/// <summary>A file sink's folder belongs to one query; one checkpoint location, however spelled, is one query.</summary>
public sealed class FileSinkOwnershipTests
{
    private static string Lines(params int[] ids) => string.Concat(ids.Select(i => $"{{\"id\":{i}}}\n"));

    private static Task<StreamingQuery> StartAsync(StreamSession session, string input, string output, string checkpoint, bool takeOver = false)
    {
        var writer = session.ReadStream.Schema("id INT").Json(input).Where(Col("id") > 0)
            .WriteStream.Format("json").Option("checkpointLocation", checkpoint);
        if (takeOver) writer = writer.Option("takeOverOutput", "true");
        return writer.StartAsync(output);
    }

    [Fact]
    public async Task ANewCheckpointOnAnotherQuerysOutput_IsRefusedNamingBoth_AndATakeOverOverwritesNothing()
    {
        using var dir = new TempDirectory();
        var input = dir.Sub("in");
        var output = Path.Combine(dir.Path, "out");
        TempDirectory.WriteFile(input, "a.json", Lines(1, 2));
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path });

        var first = await StartAsync(session, input, output, "first");
        await first.ProcessAllAvailableAsync();
        await first.StopAsync();
        var committed = Directory.GetFiles(output).ToDictionary(f => f, File.ReadAllText);

        // A reset checkpoint on the same folder: its batch 0 would land on the first query's files.
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync(session, input, output, "second"));
        Assert.Contains(first.Id.ToString(), refused.Message);
        Assert.Contains("'first'", refused.Message);
        Assert.Contains("'second'", refused.Message);
        Assert.Contains("takeOverOutput", refused.Message);

        // Opted in, the second query continues the log: every file committed before is untouched, every row is there once
        // per query that read it.
        var second = await StartAsync(session, input, output, "second", takeOver: true);
        await second.ProcessAllAvailableAsync();
        await second.StopAsync();
        Assert.All(committed, f => Assert.Equal(f.Value, File.ReadAllText(f.Key)));
        var ids = (await session.Read.Schema("id INT").Json(output).CollectAsync()).Select(r => r.Get<int>("id")).Order();
        Assert.Equal([1, 1, 2, 2], ids);

        // The first query no longer owns the folder.
        var again = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync(session, input, output, "first"));
        Assert.Contains(second.Id.ToString(), again.Message);
    }

    [Fact]
    public async Task OneCheckpointSpelledThreeWays_IsOneQuery()
    {
        using var dir = new TempDirectory();
        var input = dir.Sub("in");
        var output = Path.Combine(dir.Path, "out");
        TempDirectory.WriteFile(input, "a.json", Lines(1));
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path });

        var query = await StartAsync(session, input, output, "ck");
        await query.ProcessAllAvailableAsync();
        var active = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync(session, input, output, Path.Combine(dir.Path, "checkpoints", "ck")));
        Assert.Contains("already active", active.Message);
        await query.StopAsync();

        TempDirectory.WriteFile(input, "b.json", Lines(2));
        var resumed = await StartAsync(session, input, output, "ck/");
        await resumed.ProcessAllAvailableAsync();
        Assert.Equal(query.Id, resumed.Id);
        Assert.Equal(1, resumed.LastProgress!.BatchId);
        await resumed.StopAsync();
        Assert.Equal([1, 2], (await session.Read.Schema("id INT").Json(output).CollectAsync()).Select(r => r.Get<int>("id")).Order());
    }
}
