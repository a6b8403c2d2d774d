using Microsoft.Extensions.DependencyInjection;
using OrleansStream.Client.Tests.Infrastructure;
using OrleansStream.Client.Tests.Stateful;
using OrleansStream.Grains.Hosting;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.Recovery;

/// <summary>
/// Faults injected at exact steps of the epoch protocol on an embedded silo, each a way a silo kill in a cluster has lost
/// rows: the query's output must be what it is undisturbed.
/// </summary>
public sealed class ReplacedActivationTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private readonly FaultInjection _faults = new();
    private StreamSession _session = null!;

    public async Task InitializeAsync() => _session = await StreamSession.StartLocalAsync(new EmbeddedSiloOptions
    {
        DataDirectory = _data.Path,
        ConfigureSilo = silo =>
        {
            _faults.Register(silo);
            silo.Services.Configure<OrleansStreamOptions>(o => o.EpochRetryDelay = TimeSpan.FromMilliseconds(50));
        },
    });

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
        _data.Dispose();
    }

    // A state partition whose activation Orleans replaces after rows were staged for an epoch and before it finishes the
    // epoch (its silo died, or it was moved) must not run the epoch on the input it lost.
    [Fact]
    public async Task StatePartitionReplacedBetweenStageAndFinish_TheEpochRunsAgainWithItsInput()
    {
        var input = _session.CreateMemoryStream<string>();
        var query = await input.ToDF().GroupBy("value").Count()
            .WriteStream.OutputMode(OutputMode.Complete).Format("memory").QueryName("replaced_partition")
            .Option("numStatePartitions", "2").StartAsync();
        await input.AddDataAsync("a", "b", "a");
        await query.ProcessAllAvailableAsync();

        _faults.DeactivateAfter("StageAsync", args => (long)args[1]! == 1);
        await input.AddDataAsync("a", "c", "b", "d");
        await query.ProcessAllAvailableAsync();

        Assert.Equal(1, _faults.Fired);
        Assert.Equal(["a:3", "b:2", "c:1", "d:1"], Scenario.Plain(await _session.Table("replaced_partition").CollectAsync()));
        await query.StopAsync();
    }

    // The same for a sink partition: rows staged in a memory that is gone must not commit as an empty epoch.
    [Fact]
    public async Task SinkReplacedBetweenStageAndCommit_TheEpochRunsAgainWithItsRows()
    {
        var input = _session.CreateMemoryStream<int>();
        var query = await input.ToDF().Where(Col("value") > 0)
            .WriteStream.Format("memory").QueryName("replaced_sink").StartAsync();
        await input.AddDataAsync(1, 2);
        await query.ProcessAllAvailableAsync();

        _faults.DeactivateAfter("StageAsync", args => (long)args[1]! == 1);
        await input.AddDataAsync(3, 4);
        await query.ProcessAllAvailableAsync();

        Assert.Equal(1, _faults.Fired);
        Assert.Equal(["1", "2", "3", "4"], Scenario.Plain(await _session.Table("replaced_sink").CollectAsync()));
        await query.StopAsync();
    }

    // Two epochs run but not committed; committing them fails, and so does the first re-run of the newer one. The next
    // attempt must re-run that epoch from its offset record: planning its batch id afresh skipped its file for good.
    [Fact]
    public async Task CommitRetryWhoseRerunFails_RerunsTheWrittenAheadEpoch_AndLosesNoFile()
    {
        var folder = _data.Sub("in");
        TempDirectory.WriteFile(folder, "f0.json", """{"user":"a"}""" + "\n");
        var query = await _session.ReadStream.Schema("user STRING").Option("maxFilesPerTrigger", 1).Json(folder)
            .GroupBy("user").Count()
            .WriteStream.OutputMode(OutputMode.Complete).Format("memory").QueryName("commit_retry")
            .Option("numStatePartitions", "2").StartAsync();
        await query.ProcessAllAvailableAsync();

        // Epochs 1 and 2 run back to back; committing them when idle fails, and the re-run of epoch 2 fails once more.
        _faults.FailNext("WhenWrittenAsync");
        _faults.FailNext("FinishAsync", args => ((Interfaces.Execution.PartitionEpoch)args[0]!).BatchId == 2);
        TempDirectory.WriteFile(folder, "f1.json", """{"user":"b"}""" + "\n");
        TempDirectory.WriteFile(folder, "f2.json", """{"user":"a"}""" + "\n" + """{"user":"c"}""" + "\n");
        await query.ProcessAllAvailableAsync();
        TempDirectory.WriteFile(folder, "f3.json", """{"user":"d"}""" + "\n");
        await query.ProcessAllAvailableAsync();

        Assert.Equal(2, _faults.Fired);
        Assert.Equal(["a:2", "b:1", "c:1", "d:1"], Scenario.Plain(await _session.Table("commit_retry").CollectAsync()));
        await query.StopAsync();
    }
}
