using Microsoft.Extensions.DependencyInjection;
using OrleansStream.Client.Tests.Infrastructure;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Grains.Execution;
using OrleansStream.Grains.Hosting;
using OrleansStream.Interfaces.Queries;

namespace OrleansStream.Client.Tests.Recovery;

/// <summary>
/// Two activations of one query's trigger: when a silo dies, the grain directory's entries it held are lost, and a call can
/// activate the trigger again while its first activation still runs the query on another silo. The trigger's record is
/// written conditionally, so only one activation's writes win; the other must step down without failing the run, and
/// the query's output must be what it is undisturbed.
/// </summary>
public sealed class SupersededTriggerTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private readonly OtherWriter _other = new();
    private readonly FaultInjection _faults = new();
    private HeldTriggerWrites _held = null!;
    private StreamSession _session = null!;

    public async Task InitializeAsync() => _session = await StreamSession.StartLocalAsync(new EmbeddedSiloOptions
    {
        DataDirectory = _data.Path,
        ConfigureSilo = silo =>
        {
            _faults.Register(silo);
            silo.Services.AddSingleton<ICheckpointStore>(_ => _held = new HeldTriggerWrites(new FileSystemCheckpointStore(Path.Combine(_data.Path, "checkpoints"))));
            silo.Services.AddSingleton<IEpochHooks>(sp => _other.Bind(sp.GetRequiredService<ICheckpointStore>()));
            silo.Services.Configure<OrleansStreamOptions>(o => o.EpochRetryDelay = TimeSpan.FromMilliseconds(50));
        },
    });

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
        _data.Dispose();
    }

    // The other activation writes the trigger's record after this one staged epoch 1 and before it writes the commit: this
    // one's commit loses. The client must see neither an error nor a stopped query, and the run goes on.
    [Fact]
    public async Task TriggerRecordWrittenByAnotherActivationMidEpoch_TheLoserStepsDown_AndTheQueryGoesOnUndisturbed()
    {
        var (input, query) = await StartCountAsync("superseded_trigger", statePartitions: "2");
        await input.AddDataAsync("a", "b");
        await query.ProcessAllAvailableAsync();

        _other.WriteAt = 1;
        await input.AddDataAsync("a", "c");
        await query.ProcessAllAvailableAsync();
        Assert.Equal(1, _other.Writes);

        await input.AddDataAsync("d", "a");
        await query.ProcessAllAvailableAsync();

        var status = await query.GetStatusAsync();
        Assert.True(status.IsActive, status.Error);
        Assert.Null(status.Error);
        Assert.True(query.IsActive);
        Assert.Null(query.Exception);
        var entry = await _session.Streams.DescribeAsync("superseded_trigger");
        Assert.Equal(QueryCatalogStatus.Active, entry!.Status);
        Assert.Equal(["a:3", "b:1", "c:1", "d:1"], Scenario.Plain(await _session.Table("superseded_trigger").CollectAsync()));
        await query.StopAsync();
    }

    // The activation calls reach must be the one that wins: a resumed activation writes the record before its run begins,
    // so that an activation still running from before (which read the record earlier) loses its next write and steps down.
    [Fact]
    public async Task ResumedActivation_WritesTheRecordBeforeItsRunBegins_SoAnEarlierActivationsNextWriteLoses()
    {
        var (input, query) = await StartCountAsync("claimed_trigger", statePartitions: "2");
        await input.AddDataAsync("a", "b");
        await query.ProcessAllAvailableAsync();
        var before = await _other.ReadTriggerRecordAsync();

        _faults.DeactivateAfter("ITriggerGrain.GetStatusAsync");
        Assert.False((await query.GetStatusAsync()).Resumed);
        var resumed = await query.GetStatusAsync();
        Assert.True(resumed.Resumed);
        Assert.Equal(0, resumed.LastCommittedBatchId);

        var claimed = await _other.ReadTriggerRecordAsync();
        Assert.NotEqual(before.ETag, claimed.ETag);
        await Assert.ThrowsAsync<CheckpointConflictException>(() => _other.WriteAsync(before));

        await input.AddDataAsync("a", "c");
        await query.ProcessAllAvailableAsync();
        Assert.Equal(["a:2", "b:1", "c:1"], Scenario.Plain(await _session.Table("claimed_trigger").CollectAsync()));
        await query.StopAsync();
    }

    // Until a superseded activation has deactivated, calls that reach it are told to call again: the client does.
    [Fact]
    public async Task CallsAnsweredThatTheTriggerMoved_AreMadeAgainByTheClient()
    {
        var (input, query) = await StartCountAsync("moved_trigger");
        await input.AddDataAsync("a");

        _faults.FailNextWith("ITriggerGrain.MarkAvailableAsync", new QueryCoordinatorMovedException("moved_trigger"));
        _faults.FailNextWith("ITriggerGrain.WaitForTicketAsync", new QueryCoordinatorMovedException("moved_trigger"));
        _faults.FailNextWith("ITriggerGrain.GetRecentProgressAsync", new QueryCoordinatorMovedException("moved_trigger"));
        await query.ProcessAllAvailableAsync();
        _faults.FailNextWith("ITriggerGrain.GetStatusAsync", new QueryCoordinatorMovedException("moved_trigger"));
        Assert.True((await query.GetStatusAsync()).IsActive);
        Assert.Equal(["a:1"], Scenario.Plain(await _session.Table("moved_trigger").CollectAsync()));

        _faults.FailNextWith("ITriggerGrain.StopRunAsync", new QueryCoordinatorMovedException("moved_trigger"));
        await query.StopAsync();
        Assert.False(query.IsActive);
        Assert.Equal(5, _faults.Fired);
    }

    // The first call after a move resumes the run (compile, the record's write); a status call arriving meanwhile must wait
    // for it: answering "Stopped" then made the client end its query (a cluster soak test's failure).
    [Fact]
    public async Task StatusAskedWhileTheRunResumes_WaitsForIt_AndSaysActive()
    {
        var (input, query) = await StartCountAsync("resuming_trigger");
        await input.AddDataAsync("a");
        await query.ProcessAllAvailableAsync();

        _faults.DeactivateAfter("ITriggerGrain.GetStatusAsync");
        await query.GetStatusAsync();
        _held.Hold();
        var resuming = query.GetStatusAsync();
        await _held.Reached.WaitAsync(TimeSpan.FromSeconds(30));
        var during = query.GetStatusAsync();
        await Task.Delay(300);
        _held.Release();

        Assert.True((await resuming).IsActive);
        var status = await during;
        Assert.True(status.IsActive, status.Message);
        Assert.True(query.IsActive);
        await query.StopAsync();
    }

    // Every test runs a count per value, Complete mode, into the memory table named after its query.
    private async Task<(MemoryStream<string> Input, StreamingQuery Query)> StartCountAsync(string name, string? statePartitions = null)
    {
        var input = _session.CreateMemoryStream<string>();
        var writer = input.ToDF().GroupBy("value").Count().WriteStream.OutputMode(OutputMode.Complete).Format("memory").QueryName(name);
        if (statePartitions is not null) writer = writer.Option("numStatePartitions", statePartitions);
        var query = await writer.StartAsync();
        return (input, query);
    }

    /// <summary>A real file-system store whose writes of a trigger's record wait while the test holds them.</summary>
    private sealed class HeldTriggerWrites(ICheckpointStore inner) : ICheckpointStore
    {
        private volatile TaskCompletionSource _gate = Open();
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Reached => _reached.Task;
        public void Hold() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        public void Release() => _gate.TrySetResult();

        public async Task<string> ReplaceAsync(string key, ReadOnlyMemory<byte> data, string etag, CancellationToken ct = default)
        {
            if (key.EndsWith("/trigger", StringComparison.Ordinal) && !_gate.Task.IsCompleted)
            {
                _reached.TrySetResult();
                await _gate.Task.WaitAsync(ct);
            }
            return await inner.ReplaceAsync(key, data, etag, ct);
        }

        public Task<CheckpointBlob?> ReadAsync(string key, CancellationToken ct = default) => inner.ReadAsync(key, ct);
        public Task<string> PutIfAbsentAsync(string key, ReadOnlyMemory<byte> data, CancellationToken ct = default) => inner.PutIfAbsentAsync(key, data, ct);
        public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken ct = default) => inner.ListAsync(prefix, ct);
        public Task<bool> DeleteAsync(string key, string? etag, CancellationToken ct = default) => inner.DeleteAsync(key, etag, ct);

        private static TaskCompletionSource Open()
        {
            var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            open.SetResult();
            return open;
        }
    }

    /// <summary>Rewrites the query trigger's record (its own bytes, a new ETag), as another activation's write would, once
    /// the sinks of one epoch committed.</summary>
    private sealed class OtherWriter : IEpochHooks
    {
        private ICheckpointStore _store = null!;
        private int _writes;

        public long WriteAt { get; set; } = -1;
        public int Writes => Volatile.Read(ref _writes);

        public OtherWriter Bind(ICheckpointStore store)
        {
            _store = store;
            return this;
        }

        public async Task OnSinkCommittedAsync(string query, long batchId)
        {
            if (batchId != WriteAt) return;
            WriteAt = -1;
            await WriteAsync(await ReadTriggerRecordAsync());
            Interlocked.Increment(ref _writes);
        }

        public async Task<CheckpointBlob> ReadTriggerRecordAsync() => (await _store.ReadAsync(await TriggerKeyAsync()))!;

        /// <summary>Writes <paramref name="record"/> back as the activation that read it would.</summary>
        public async Task WriteAsync(CheckpointBlob record) => await _store.ReplaceAsync(await TriggerKeyAsync(), record.Data, record.ETag);

        private async Task<string> TriggerKeyAsync() =>
            Assert.Single(await _store.ListAsync("grains/"), k => k.EndsWith("/trigger", StringComparison.Ordinal));

        public Task OnSinkLogWrittenAsync(string query, long batchId) => Task.CompletedTask;
    }
}
