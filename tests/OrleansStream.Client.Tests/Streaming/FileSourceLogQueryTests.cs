namespace OrleansStream.Client.Tests.Streaming;

/// <summary>A file source query keeps the files it took in its own log under the checkpoint (sources/&lt;query&gt;/&lt;source&gt;/).</summary>
public sealed class FileSourceLogQueryTests
{
    [Fact]
    public async Task FileSourceQuery_WritesOneLogEntryPerPlannedEpoch_AndResumesFromIt()
    {
        using var dir = new TempDirectory();
        var input = dir.Sub("in");
        var table = "file_log_" + Guid.NewGuid().ToString("N")[..8];
        await using (var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path }))
        {
            var query = await Start(session, input, table);
            for (var i = 1; i <= 3; i++)
            {
                TempDirectory.WriteFile(input, $"f{i}.json", $"{{\"id\":{i}}}\n");
                await query.ProcessAllAvailableAsync();
            }
            await query.StopAsync();
        }

        // An epoch's entry is written by the next plan (the idle round processAllAvailable waits for), from its offsets.
        var log = Path.Combine(dir.Path, "checkpoints", "sources");
        Assert.Equal(["0", "1", "2"], Directory.EnumerateFiles(log, "*", SearchOption.AllDirectories).Select(Path.GetFileName).Order());

        TempDirectory.WriteFile(input, "f4.json", "{\"id\":4}\n");
        await using (var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path }))
        {
            var query = await Start(session, input, table);
            await query.ProcessAllAvailableAsync();
            Assert.Equal(1, query.LastProgress!.NumInputRows);
            Assert.Equal([4], (await session.Table(table).CollectAsync()).Select(r => r.Get<int>("id")));
            await query.StopAsync();
        }
        Assert.Equal(["0", "1", "2", "3"], Directory.EnumerateFiles(log, "*", SearchOption.AllDirectories).Select(Path.GetFileName).Order());
    }

    private static Task<StreamingQuery> Start(StreamSession session, string input, string table) =>
        session.ReadStream.Schema("id INT").Json(input).WriteStream.Format("memory").QueryName(table)
            .Option("checkpointLocation", "file-log").StartAsync();
}
