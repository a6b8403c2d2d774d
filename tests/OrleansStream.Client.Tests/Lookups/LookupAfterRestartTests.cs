using System.Diagnostics;

namespace OrleansStream.Client.Tests.Lookups;

/// <summary>
/// After a process restart with committed state and no new input, no epoch runs, so no state partition has run one: a
/// lookup must still answer the committed state at once (the partition reads it from the checkpoint), and a later epoch
/// must then build on it.
/// </summary>
public sealed class LookupAfterRestartTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _data.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task RestartWithNoNewInput_LookupAnswersTheCommittedValueAtOnce_AndTheNextEpochUpdatesIt()
    {
        var folder = _data.Sub("in");
        var checkpoint = Path.Combine(_data.Path, "chk");
        Task<StreamingQuery> StartAsync(StreamSession session) => session.ReadStream.Schema("user STRING").Json(folder)
            .GroupBy("user").Count()
            .WriteStream.OutputMode(OutputMode.Update).Format("noop").Option("checkpointLocation", checkpoint)
            .Option("numStatePartitions", "2").StartAsync();

        await using (var session = await StreamSession.StartLocalAsync(new EmbeddedSiloOptions { DataDirectory = _data.Path }))
        {
            var query = await StartAsync(session);
            TempDirectory.WriteFile(folder, "f0.json", """{"user":"ada"}""" + "\n" + """{"user":"bob"}""" + "\n");
            await query.ProcessAllAvailableAsync();
            TempDirectory.WriteFile(folder, "f1.json", """{"user":"ada"}""" + "\n");
            await query.ProcessAllAvailableAsync();
            Assert.Equal(2L, (await query.LookupAsync("ada"))!.Get<long>("count"));
            await query.StopAsync();
        }

        await using (var session = await StreamSession.StartLocalAsync(new EmbeddedSiloOptions { DataDirectory = _data.Path }))
        {
            var query = await StartAsync(session);
            var watch = Stopwatch.StartNew();
            var ada = await query.LookupAsync("ada");
            var bob = await query.LookupAsync("bob");
            watch.Stop();
            Assert.Equal(2L, ada!.Get<long>("count"));
            Assert.Equal(1L, bob!.Get<long>("count"));
            Assert.Null(await query.LookupAsync("cat"));
            // Without the checkpoint read the lookup waits out its 30 s patience for an epoch that never comes.
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"The lookups took {watch.Elapsed.TotalSeconds:F1} s.");

            TempDirectory.WriteFile(folder, "f2.json", """{"user":"ada"}""" + "\n" + """{"user":"cat"}""" + "\n");
            await query.ProcessAllAvailableAsync();
            Assert.Equal(3L, (await query.LookupAsync("ada"))!.Get<long>("count"));
            Assert.Equal(1L, (await query.LookupAsync("cat"))!.Get<long>("count"));
            Assert.Equal(1L, (await query.LookupAsync("bob"))!.Get<long>("count"));
            await query.StopAsync();
        }
    }
}
