using Microsoft.Extensions.DependencyInjection;
using OrleansStream.Grains.Execution;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.Recovery;

/// <summary>
/// An epoch of a stream-static join that fails after its sink committed runs again at the next start with the static
/// version it wrote ahead: a file added to the static folder in between is not in the replay, only in later epochs.
/// </summary>
public sealed class StaticLeafReplayTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private readonly FailOnceAfterSinkCommit _hooks = new();
    private StreamSession _session = null!;

    public async Task InitializeAsync() => _session = await StreamSession.StartLocalAsync(new EmbeddedSiloOptions
    {
        DataDirectory = _data.Path,
        ConfigureSilo = silo => silo.Services.AddSingleton<IEpochHooks>(_hooks),
    });

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task EpochRunAgainAfterAFailure_ReadsTheStaticFilesItWasPlannedWith()
    {
        var folder = _data.Sub("words");
        TempDirectory.WriteFile(folder, "a.json", "{\"number\":1,\"word\":\"one\"}\n");
        var words = _session.Read.Format("json").Schema("number INT, word STRING").Load(folder);
        var input = _session.CreateMemoryStream<int>();
        var seen = new List<(long Epoch, string Rows)>();
        Task<StreamingQuery> StartAsync() => input.ToDF().Join(words, Col("value") == Col("number"), "left_outer").Select(Col("value"), Col("word"))
            .WriteStream.Option("checkpointLocation", Path.Combine(_data.Path, "chk"))
            .ForeachBatch(async (batch, epoch) =>
            {
                var rows = Scenario.Plain(await batch.CollectAsync());
                lock (seen) seen.Add((epoch, string.Join(";", rows.Order())));
            })
            .StartAsync();

        var query = await StartAsync();
        await input.AddDataAsync(1, 2);
        await query.ProcessAllAvailableAsync();
        _hooks.FailBatch = 1;
        await input.AddDataAsync(2);
        await Assert.ThrowsAsync<StreamingQueryException>(() => query.AwaitTerminationAsync());

        TempDirectory.WriteFile(folder, "b.json", "{\"number\":2,\"word\":\"two\"}\n");
        query = await StartAsync();
        await query.ProcessAllAvailableAsync();
        await input.AddDataAsync(2);
        await query.ProcessAllAvailableAsync();
        await query.StopAsync();

        Assert.Equal(
            [(0L, "1:one;2:null"), (1L, "2:null"), (1L, "2:null"), (2L, "2:two")],
            seen);
    }

    /// <summary>Fails the trigger once, after the sinks of <see cref="FailBatch"/> committed and before its commit record.</summary>
    private sealed class FailOnceAfterSinkCommit : IEpochHooks
    {
        public long FailBatch { get; set; } = -1;

        public Task OnSinkCommittedAsync(string query, long batchId)
        {
            if (batchId != FailBatch) return Task.CompletedTask;
            FailBatch = -1;
            throw new InvalidOperationException($"Injected failure after the sink of batch {batchId} committed.");
        }

        public Task OnSinkLogWrittenAsync(string query, long batchId) => Task.CompletedTask;
    }
}
