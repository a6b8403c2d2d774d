using Microsoft.Extensions.DependencyInjection;
using OrleansStream.Grains.Execution;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.Lookups;

/// <summary>A lookup while an epoch hangs before its commit record answers the previous epoch's value, at once.</summary>
public sealed class LookupConsistencyTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private readonly CommitGate _gate = new();
    private StreamSession _session = null!;

    public async Task InitializeAsync() => _session = await StreamSession.StartLocalAsync(new EmbeddedSiloOptions
    {
        DataDirectory = _data.Path,
        ConfigureSilo = silo => silo.Services.AddSingleton<IEpochHooks>(_gate),
    });

    public async Task DisposeAsync()
    {
        _gate.Release();
        await _session.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task LookupDuringAHangingEpoch_SeesThePreviousEpochsValue()
    {
        var input = _session.CreateMemoryStream<string>();
        var query = await input.ToDF().GroupBy("value").Count()
            .WriteStream.Format("memory").OutputMode(OutputMode.Update).QueryName("lookup_hanging").StartAsync();
        await input.AddDataAsync("a");
        await query.ProcessAllAvailableAsync();
        Assert.Equal(1L, (await query.LookupAsync("a"))!.Get<long>("count"));

        _gate.HangAt = 1;
        await input.AddDataAsync("a", "a", "b");
        await _gate.Reached.WaitAsync(TimeSpan.FromSeconds(60));
        // Epoch 1 ran in every partition (its sink committed) but its commit record is not written.
        Assert.Equal(1L, (await query.LookupAsync("a"))!.Get<long>("count"));
        Assert.Null(await query.LookupAsync("b"));

        _gate.Release();
        await query.ProcessAllAvailableAsync();
        Assert.Equal(3L, (await query.LookupAsync("a"))!.Get<long>("count"));
        Assert.Equal(1L, (await query.LookupAsync("b"))!.Get<long>("count"));
        await query.StopAsync();
    }

    /// <summary>Holds the commit of one batch after its sinks committed, until released.</summary>
    private sealed class CommitGate : IEpochHooks
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long HangAt { get; set; } = -1;
        public Task Reached => _reached.Task;
        public void Release() => _released.TrySetResult();

        public Task OnSinkCommittedAsync(string query, long batchId)
        {
            if (batchId != HangAt) return Task.CompletedTask;
            _reached.TrySetResult();
            return _released.Task;
        }

        public Task OnSinkLogWrittenAsync(string query, long batchId) => Task.CompletedTask;
    }
}
