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
    private StreamSession _session = null!;

    public async Task InitializeAsync() => _session = await StreamSession.StartLocalAsync(new EmbeddedSiloOptions
    {
        DataDirectory = _data.Path,
        ConfigureSilo = silo =>
        {
            _faults.Register(silo);
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
        var input = _session.CreateMemoryStream<string>();
        var query = await input.ToDF().GroupBy("value").Count()
            .WriteStream.OutputMode(OutputMode.Complete).Format("memory").QueryName("superseded_trigger")
            .Option("numStatePartitions", "2").StartAsync();
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
        var input = _session.CreateMemoryStream<string>();
        var query = await input.ToDF().GroupBy("value").Count()
            .WriteStream.OutputMode(OutputMode.Complete).Format("memory").QueryName("claimed_trigger")
            .Option("numStatePartitions", "2").StartAsync();
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
        var input = _session.CreateMemoryStream<string>();
        var query = await input.ToDF().GroupBy("value").Count()
            .WriteStream.OutputMode(OutputMode.Complete).Format("memory").QueryName("moved_trigger").StartAsync();
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
