using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Grains.Execution;
using OrleansStream.Grains.Hosting;
using OrleansStream.Interfaces.Execution;

namespace OrleansStream.Client.Tests.Recovery;

/// <summary>
/// A checkpoint whose trigger record an earlier version wrote (the whole state in Orleans' binary format, "OSB1") resumes
/// after an upgrade: the query goes on from its last committed epoch with its state, reads no file twice, and its next
/// write is in the trigger's own format ("OST1").
/// </summary>
public sealed class TriggerRecordUpgradeTests : IDisposable
{
    private readonly TempDirectory _data = new();
    private readonly List<(long Epoch, string Rows)> _seen = new();
    private IServiceProvider _silo = null!;

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task ACheckpointWithATriggerRecordOfTheFormatBefore_ResumesWhereItStopped()
    {
        var input = _data.Sub("in");
        TempDirectory.WriteFile(input, "a.json", "{\"user\":\"u1\"}\n{\"user\":\"u2\"}\n{\"user\":\"u1\"}\n");
        byte[] before;
        string? etag;
        await using (var session = await StartSessionAsync())
        {
            var query = await StartQueryAsync(session, input);
            await query.ProcessAllAvailableAsync();
            await query.StopAsync();
            (before, etag) = await OldFormatOfPersistedTriggerAsync();
        }

        var (store, key) = TriggerRecord();
        using (store)
        {
            var written = (await store.ReadAsync(key))!;
            Assert.Equal("OST1"u8.ToArray(), written.Data[..4]);
            Assert.Equal(etag, written.ETag);
            await store.ReplaceAsync(key, before, written.ETag);
        }

        TempDirectory.WriteFile(input, "b.json", "{\"user\":\"u1\"}\n{\"user\":\"u3\"}\n");
        await using (var session = await StartSessionAsync())
        {
            var query = await StartQueryAsync(session, input);
            await query.ProcessAllAvailableAsync();
            await query.StopAsync();
        }

        Assert.Equal([(0L, "u1:2;u2:1"), (1L, "u1:3;u3:1")], _seen);
        (store, key) = TriggerRecord();
        using (store) Assert.Equal("OST1"u8.ToArray(), (await store.ReadAsync(key))!.Data[..4]);
    }

    private Task<StreamSession> StartSessionAsync() => StreamSession.StartLocalAsync(new EmbeddedSiloOptions
    {
        DataDirectory = _data.Path,
        ConfigureSilo = silo => silo.AddStartupTask((services, _) =>
        {
            _silo = services;
            return Task.CompletedTask;
        }),
    });

    private Task<StreamingQuery> StartQueryAsync(StreamSession session, string input) =>
        session.ReadStream.Schema("user STRING").Json(input).GroupBy("user").Count()
            .WriteStream.OutputMode(OutputMode.Update).Option("checkpointLocation", Path.Combine(_data.Path, "chk"))
            .ForeachBatch(async (batch, epoch) =>
            {
                var rows = Scenario.Plain(await batch.CollectAsync());
                lock (_seen) _seen.Add((epoch, string.Join(";", rows.Order())));
            })
            .StartAsync();

    // The trigger's persisted state as the silo reads it, written as the version before wrote it: "OSB1" and the whole
    // state in Orleans' binary format.
    private async Task<(byte[] Data, string? ETag)> OldFormatOfPersistedTriggerAsync()
    {
        var (store, key) = TriggerRecord();
        store.Dispose();
        var grainKey = Uri.UnescapeDataString(key.Split('/')[2]);
        var grainId = _silo.GetRequiredService<IGrainFactory>().GetGrain<ITriggerGrain>(grainKey).GetGrainId();
        var persisted = new GrainState<TriggerState>();
        await _silo.GetRequiredKeyedService<IGrainStorage>(OrleansStreamSiloBuilderExtensions.CheckpointStorageName)
            .ReadStateAsync("trigger", grainId, persisted);
        Assert.Equal(0, persisted.State!.LastCommitted);
        return ("OSB1"u8.ToArray().Concat(_silo.GetRequiredService<Serializer>().SerializeToArray(persisted.State)).ToArray(), persisted.ETag);
    }

    // The trigger's record file of the one query here, and a store over the checkpoint root it lies in.
    private (FileSystemCheckpointStore Store, string Key) TriggerRecord()
    {
        var file = Directory.GetFiles(_data.Path, "trigger", SearchOption.AllDirectories)
            .Single(f => Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(f))) == "trigger");
        var root = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(file))))!;
        return (new FileSystemCheckpointStore(root), Path.GetRelativePath(root, file).Replace('\\', '/'));
    }
}
