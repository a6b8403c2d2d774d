using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using OrleansStream.Client.Tests.Infrastructure;
using OrleansStream.Grains.Execution;
using OrleansStream.Grains.Hosting;

namespace OrleansStream.Client.Tests.Recovery;

/// <summary>
/// A query's trigger grain deactivated while an epoch runs (a graceful silo shutdown, a rolling restart, Orleans moving
/// the grain): the epoch finishes in the activation that began it, and the run goes on in the next one without running
/// that epoch again.
/// </summary>
public sealed class TriggerDeactivationTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private readonly FaultInjection _faults = new();
    private readonly SinkCommits _commits = new();
    private StreamSession _session = null!;

    public async Task InitializeAsync() => _session = await StreamSession.StartLocalAsync(new EmbeddedSiloOptions
    {
        DataDirectory = _data.Path,
        ConfigureSilo = silo =>
        {
            _faults.Register(silo);
            silo.Services.AddSingleton<IEpochHooks>(_commits);
            silo.Services.Configure<OrleansStreamOptions>(o => o.EpochRetryDelay = TimeSpan.FromMilliseconds(50));
        },
    });

    public async Task DisposeAsync()
    {
        _commits.Release();
        await _session.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task TriggerDeactivatedMidEpoch_FinishesTheEpochBeforeItGoes_AndTheNextActivationGoesOn()
    {
        var input = _session.CreateMemoryStream<string>();
        var query = await input.ToDF().GroupBy("value").Count()
            .WriteStream.OutputMode(OutputMode.Complete).Format("memory").QueryName("trigger_deactivated")
            .Option("numStatePartitions", "2").StartAsync();
        await input.AddDataAsync("a", "b");
        await query.ProcessAllAvailableAsync();

        _commits.HangAt = 1;
        await input.AddDataAsync("a", "c");
        await _commits.Reached.WaitAsync(TimeSpan.FromSeconds(60));
        // Epoch 1's sinks committed and its commit record is not written: the trigger is asked to deactivate now.
        _faults.DeactivateAfter("ITriggerGrain.GetStatusAsync");
        Assert.True((await query.GetStatusAsync()).IsActive);
        // The next call reaches the trigger while the old activation's epoch still hangs.
        var during = query.GetStatusAsync();
        await Task.Delay(300);
        _commits.Release();
        // A new activation answers it: the run was resumed there.
        var answered = await during;
        Assert.True(answered.IsActive);
        Assert.True(answered.Resumed);

        await input.AddDataAsync("d", "a");
        await query.ProcessAllAvailableAsync();

        Assert.Equal(1, _faults.Fired);
        var status = await query.GetStatusAsync();
        Assert.True(status.IsActive, status.Error);
        Assert.Null(status.Error);
        Assert.Equal(["a:3", "b:1", "c:1", "d:1"], Scenario.Plain(await _session.Table("trigger_deactivated").CollectAsync()));
        // The deactivated activation finished epoch 1: the next one did not run it again.
        Assert.Equal(1, _commits.Count(1));
        await query.StopAsync();
    }

    [Fact]
    public async Task FailedQuery_KeepsItsErrorInTheStatus_AfterTheTriggerMoved()
    {
        var input = _session.CreateMemoryStream<string>();
        var query = await input.ToDF().WriteStream
            .ForeachBatch((_, _) => throw new InvalidOperationException("the warehouse refused batch 0")).StartAsync();
        await input.AddDataAsync("a");
        var error = await Assert.ThrowsAsync<StreamingQueryException>(() => query.AwaitTerminationAsync());
        Assert.Contains("the warehouse refused batch 0", error.Message);

        // The trigger that ran the query deactivates (a silo died, Orleans moved it): a client that did not hear of the end
        // asks the next activation, which has no run of its own, and must still learn why the query stopped.
        _faults.DeactivateAfter("ITriggerGrain.GetStatusAsync");
        await query.GetStatusAsync();
        var status = await query.GetStatusAsync();

        Assert.Equal(1, _faults.Fired);
        Assert.False(status.IsActive);
        Assert.Contains("the warehouse refused batch 0", status.Error);
    }

    /// <summary>Counts each batch's sink commits and holds one batch's commit record until released.</summary>
    private sealed class SinkCommits : IEpochHooks
    {
        private readonly ConcurrentDictionary<long, int> _counts = new();
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long HangAt { get; set; } = -1;
        public Task Reached => _reached.Task;
        public void Release() => _released.TrySetResult();
        public int Count(long batchId) => _counts.GetValueOrDefault(batchId);

        public Task OnSinkCommittedAsync(string query, long batchId)
        {
            _counts.AddOrUpdate(batchId, 1, (_, n) => n + 1);
            if (batchId != HangAt) return Task.CompletedTask;
            _reached.TrySetResult();
            return _released.Task;
        }

        public Task OnSinkLogWrittenAsync(string query, long batchId) => Task.CompletedTask;
    }
}
