using Apache.Arrow;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Connectors.Ingest;
using OrleansStream.Grains.Hosting;
using OrleansStream.Grains.Ingest;
using OrleansStream.Interfaces.Ingest;
using OrleansStream.Plan.Data;
using OrleansStream.Plan.Types;

namespace OrleansStream.Client.Tests.Ingest;

/// <summary>Durable ingest end to end on an embedded silo with file-system checkpoints: SDK writer, ingest grains, the ingest source.</summary>
public sealed class IngestTests : IAsyncLifetime
{
    private const string Schema = "id BIGINT NOT NULL, user STRING";
    private readonly TempDirectory _data = new();
    private readonly LoseFirstAppendAnswer _loseAnswer = new();
    private readonly CountAppends _appends = new();
    private PausableCheckpointStore _store = null!;
    private StreamSession _session = null!;

    public async Task InitializeAsync() => _session = await StartAsync();

    public async Task DisposeAsync()
    {
        _store?.Resume(); // null when no grain ever reached the store
        _store?.ResumeReaderListings();
        await _session.DisposeAsync();
        _data.Dispose();
    }

    private sealed record Click(long Id, string? User);

    private sealed record ClickWithExtra(long Id, string User, int Extra);

    [Fact]
    public async Task Write_ThenQueryIntoAFileSink_RestartedWithMoreData_DeliversEveryRowExactlyOnce()
    {
        await _session.CreateIngestAsync("clicks", Schema, new IngestOptions { Partitions = 3 });
        var writer = _session.Ingest<Click>("clicks");
        for (var b = 0; b < 5; b++) await writer.WriteAsync(Enumerable.Range(b * 10, 10).Select(i => new Click(i, $"u{i % 4}")));
        var output = Path.Combine(_data.Path, "out");
        var query = await StartQueryAsync(output);
        await query.ProcessAllAvailableAsync();
        await _session.Ingest("clicks").WriteAsync(Enumerable.Range(50, 20).Select(i => new object?[] { (long)i, null }));
        await query.ProcessAllAvailableAsync();
        await query.StopAsync();
        await _session.DisposeAsync();

        _session = await StartAsync();
        await _session.Ingest<Click>("clicks").WriteAsync(Enumerable.Range(70, 30).Select(i => new Click(i, "late")));
        query = await StartQueryAsync(output);
        await query.ProcessAllAvailableAsync();
        await query.StopAsync();

        var ids = (await _session.Read.Schema(Schema).Json(output).CollectAsync()).Select(r => (long)r["id"]!).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), ids);
    }

    [Fact]
    public async Task Write_WhoseAnswerIsLostAfterItWasStored_IsRetriedAndStoredOnce()
    {
        await _session.CreateIngestAsync("retried", Schema, new IngestOptions { Partitions = 1 });
        _loseAnswer.Arm();

        await _session.Ingest("retried").WriteAsync([[1L, "a"], [2L, "b"]]);
        await _session.Ingest("retried").WriteAsync([[3L, "c"]]);

        Assert.Equal(1, _loseAnswer.Lost);
        Assert.Equal([1L, 2, 3], await ReadAllIdsAsync("retried"));
    }

    [Fact]
    public async Task Write_RowsThatDoNotMatchTheSchema_AreRefusedNamingRowAndColumn_AndNothingIsAppended()
    {
        await _session.CreateIngestAsync("strict", Schema, new IngestOptions { Partitions = 1 });
        var writer = _session.Ingest("strict");
        await writer.WriteAsync([[1L, "a"]]);

        var wrongType = await Assert.ThrowsAsync<ArgumentException>(() => writer.WriteAsync([[2L, "b"], ["three", "c"]]));
        Assert.StartsWith("Ingest 'strict': Row 1, column 'id':", wrongType.Message);
        var batch = ArrowValues.FromRows(DataTypes.ParseSchema("id BIGINT, user STRING"), [[4L, "d"], [null, "e"]]);
        var nullId = await Assert.ThrowsAsync<ArgumentException>(() => writer.WriteAsync(batch));
        Assert.Equal("Ingest 'strict': row 1, column 'id' is null but the column is NOT NULL; nothing was appended.", nullId.Message);
        var unknownProperty = await Assert.ThrowsAsync<ArgumentException>(() => _session.Ingest<ClickWithExtra>("strict").WriteAsync([new ClickWithExtra(5, "f", 1)]));
        Assert.Contains("matches no declared column", unknownProperty.Message);

        Assert.Equal([1L], await ReadAllIdsAsync("strict"));
    }

    [Fact]
    public async Task UnknownIngest_FailsTheQueryAtStartAndTheWriterAtItsFirstWrite()
    {
        var start = await Assert.ThrowsAnyAsync<Exception>(() => _session.ReadStream.Format("ingest").Load("nope").WriteStream.Format("memory").QueryName("nope").StartAsync());
        Assert.Contains("Ingest 'nope' does not exist", start.Message);
        var write = await Assert.ThrowsAsync<ArgumentException>(() => _session.Ingest("nope").WriteAsync([[1L, "a"]]));
        Assert.Contains("Ingest 'nope' does not exist", write.Message);
    }

    [Fact]
    public async Task Write_WhileTheLogIsSlow_WaitsInsteadOfFailing_AndLosesNothing()
    {
        await _session.CreateIngestAsync("slow", Schema, new IngestOptions { Partitions = 2 });
        var writer = _session.Ingest("slow");
        _store.Pause();

        var writes = Enumerable.Range(0, 40).Select(i => writer.WriteAsync([[(long)i, $"u{i}"]])).ToList();
        await Task.Delay(TimeSpan.FromSeconds(2));

        Assert.All(writes, w => Assert.False(w.IsCompleted));
        Assert.InRange(_store.SegmentWrites, 1, 2);   // one flush per partition is waiting; the rest of the appends wait behind it
        _store.Resume();
        await Task.WhenAll(writes);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => (long)i), await ReadAllIdsAsync("slow"));
    }

    [Fact]
    public async Task Write_WhileThePartitionTrimsItsLog_IsStoredAndAnswered()
    {
        await _session.CreateIngestAsync("trimming", Schema, new IngestOptions { Partitions = 1 });
        var writer = _session.Ingest("trimming");
        _store.PauseReaderListings();
        // Its segment is written and answered, then the flush trims (every time here) and the trim's first listing waits.
        await writer.WriteAsync([[0L, "a"]]);
        await WaitUntilAsync(() => _store.ReaderListings > 0);

        var arrived = _appends.Arrived;
        var duringTrim = writer.WriteAsync([[1L, "a"]]);
        await WaitUntilAsync(() => _appends.Arrived > arrived);
        _store.ResumeReaderListings();

        await duringTrim.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([0L, 1L], await ReadAllIdsAsync("trimming"));
    }

    [Fact]
    public async Task Retention_DeletesSegmentsTheReadingQueryCommittedPast_AndTheQueryRestartsFromItsOffsets()
    {
        await _session.CreateIngestAsync("retained", Schema, new IngestOptions { Partitions = 1, Retention = TimeSpan.Zero });
        var writer = _session.Ingest("retained");
        var query = await StartRetainedQueryAsync();
        for (var i = 0L; i < 6; i++)
        {
            await writer.WriteAsync([[i, "a"]]);
            await query.ProcessAllAvailableAsync();
        }
        await writer.WriteAsync([[6L, "a"]]);   // its flush trims
        await query.ProcessAllAvailableAsync();
        await query.StopAsync();

        var segments = Directory.GetFiles(Path.Combine(_data.Path, "checkpoints", "ingest", "retained", "p0000"), "*.arrow").Select(Path.GetFileName).Order().ToList();
        Assert.InRange(segments.Count, 1, 5);
        Assert.NotEqual("00000000000000000000.arrow", segments[0]);

        query = await StartRetainedQueryAsync();
        await writer.WriteAsync([[7L, "a"]]);
        await query.ProcessAllAvailableAsync();
        await query.StopAsync();
        Assert.Equal(Enumerable.Range(0, 8).Select(i => (long)i), (await _session.Table("retained_rows").CollectAsync()).Select(r => (long)r["id"]!).Order());
    }

    [Fact]
    public async Task RestartedProducer_ResendingFromItsRecordedSequence_IsStoredOnce()
    {
        await _session.CreateIngestAsync("resent", Schema, new IngestOptions { Partitions = 3 });
        var first = _session.Ingest("resent", new IngestWriterOptions { ProducerId = "orders-service" });
        for (long id = 0; id < 5; id++) await first.WriteAsync(new[] { new object?[] { id, "first" } });
        // The client recorded sequence 2 as acknowledged; writes 3 to 5 were stored, but it restarted before it saw their answers.
        const long Recorded = 2;
        await _session.DisposeAsync();

        _session = await StartAsync();
        var resumed = _session.Ingest("resent", new IngestWriterOptions { ProducerId = "orders-service", NextSequence = Recorded + 1 });
        for (var id = Recorded; id < 7; id++) await resumed.WriteAsync(new[] { new object?[] { id, "resent" } });

        Assert.Equal(7, resumed.LastSequence);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => (long)i), await ReadAllIdsAsync("resent"));
    }

    [Fact]
    public async Task RestartedProducer_WithoutARecordedSequence_ResumesAfterWhatThePartitionsHold()
    {
        await _session.CreateIngestAsync("resumed", Schema, new IngestOptions { Partitions = 2 });
        var first = _session.Ingest("resumed", new IngestWriterOptions { ProducerId = "p" });
        for (long id = 0; id < 3; id++) await first.WriteAsync(new[] { new object?[] { id, null } });
        await _session.DisposeAsync();

        // Starting again at sequence 1 would take the new writes for the stored ones and drop them.
        _session = await StartAsync();
        var resumed = _session.Ingest<Click>("resumed", new IngestWriterOptions { ProducerId = "p" });
        await resumed.WriteAsync([new Click(3, null)]);
        await resumed.WriteAsync([new Click(4, null)]);

        Assert.Equal(5, resumed.LastSequence);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => (long)i), await ReadAllIdsAsync("resumed"));
    }

    [Fact]
    public void WriterOptions_ASequenceWithoutAProducerId_IsRefusedNamingTheOption()
    {
        var e = Assert.Throws<ArgumentException>(() => _session.Ingest("clicks", new IngestWriterOptions { NextSequence = 5 }));
        Assert.Contains("NextSequence", e.Message, StringComparison.Ordinal);
        Assert.Contains("ProducerId", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriterPartitioningByKey_KeepsEachKeysRowsInOrderInOnePartition()
    {
        await _session.CreateIngestAsync("keyed", Schema, new IngestOptions { Partitions = 3 });
        var writer = _session.Ingest("keyed", new IngestWriterOptions { PartitionBy = "user" });
        // Row id n belongs to user u(n % 4); each write holds every user's rows.
        for (long w = 0; w < 10; w++) await writer.WriteAsync(Enumerable.Range(0, 8).Select(i => new object?[] { w * 8 + i, $"u{i % 4}" }));

        var partitionOf = new Dictionary<string, int>();
        var idsOf = new Dictionary<string, List<long>>();
        for (int p = 0; p < 3; p++)
        {
            await foreach (var batch in IngestPartitionLog.ReadAsync(_store, "keyed", p, null, long.MaxValue, default))
            {
                foreach (var row in ArrowValues.ToRows(batch))
                {
                    var user = (string)row[1]!;
                    Assert.Equal(partitionOf.GetValueOrDefault(user, p), p);
                    partitionOf[user] = p;
                    (idsOf.TryGetValue(user, out var ids) ? ids : idsOf[user] = []).Add((long)row[0]!);
                }
            }
        }
        for (int u = 0; u < 4; u++)
            Assert.Equal(Enumerable.Range(0, 80).Where(n => n % 4 == u).Select(n => (long)n), idsOf[$"u{u}"]);
        Assert.True(partitionOf.Values.Distinct().Count() > 1, "four keys should not all hash to one partition");
    }

    [Fact]
    public async Task WriterPartitioningByAnUndeclaredColumn_IsRefusedNamingIt_AndNothingIsAppended()
    {
        await _session.CreateIngestAsync("keyed", Schema, new IngestOptions { Partitions = 2 });
        var writer = _session.Ingest("keyed", new IngestWriterOptions { PartitionBy = "customer" });
        var e = await Assert.ThrowsAsync<ArgumentException>(() => writer.WriteAsync(new[] { new object?[] { 1L, "u" } }));
        Assert.Contains("'customer'", e.Message, StringComparison.Ordinal);
        foreach (var partition in new[] { "p0000", "p0001" }) Assert.Empty(await _store.ListAsync($"ingest/keyed/{partition}/"));
    }

    private Task<StreamingQuery> StartRetainedQueryAsync() => _session.ReadStream.Format("ingest").Load("retained")
        .WriteStream.Format("memory").QueryName("retained_rows").Option("checkpointLocation", "retained").StartAsync();

    private async Task<List<long>> ReadAllIdsAsync(string ingest)
    {
        var table = ingest + "_all";
        var query = await _session.ReadStream.Format("ingest").Load(ingest).WriteStream.Format("memory").QueryName(table).StartAsync();
        await query.ProcessAllAvailableAsync();
        await query.StopAsync();
        return (await _session.Table(table).CollectAsync()).Select(r => (long)r["id"]!).Order().ToList();
    }

    private Task<StreamingQuery> StartQueryAsync(string output) => _session.ReadStream.Format("ingest").Load("clicks")
        .WriteStream.Format("json").Option("checkpointLocation", "clicks-to-json").StartAsync(output);

    private Task<StreamSession> StartAsync() => StreamSession.StartLocalAsync(new EmbeddedSiloOptions
    {
        DataDirectory = _data.Path,
        ConfigureSilo = silo =>
        {
            silo.Services.AddSingleton<ICheckpointStore>(_ => _store = new PausableCheckpointStore(new FileSystemCheckpointStore(Path.Combine(_data.Path, "checkpoints"))));
            silo.Services.Configure<IngestGrainOptions>(o =>
            {
                o.MaxUnflushedBytes = 1;
                o.TrimInterval = TimeSpan.Zero;
            });
            silo.AddIncomingGrainCallFilter(_loseAnswer);
            silo.AddIncomingGrainCallFilter(_appends);
        },
    });

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition()) await Task.Delay(10, timeout.Token);
    }

    /// <summary>Counts the appends that reached an ingest grain (before the grain runs them).</summary>
    private sealed class CountAppends : IIncomingGrainCallFilter
    {
        public int Arrived;

        public Task Invoke(IIncomingGrainCallContext context)
        {
            if (context.InterfaceMethod.DeclaringType == typeof(IIngestGrain) && context.InterfaceMethod.Name == nameof(IIngestGrain.AppendAsync))
                Interlocked.Increment(ref Arrived);
            return context.Invoke();
        }
    }

    /// <summary>Once armed, the next append is stored and then its answer is lost, as a timed-out call's is.</summary>
    private sealed class LoseFirstAppendAnswer : IIncomingGrainCallFilter
    {
        private int _armed;
        public int Lost;

        public void Arm() => Volatile.Write(ref _armed, 1);

        public async Task Invoke(IIncomingGrainCallContext context)
        {
            await context.Invoke();
            if (context.InterfaceMethod.DeclaringType == typeof(IIngestGrain) && context.InterfaceMethod.Name == nameof(IIngestGrain.AppendAsync)
                && Interlocked.Exchange(ref _armed, 0) == 1)
            {
                Interlocked.Increment(ref Lost);
                throw new TimeoutException("Injected: the answer of a stored append was lost.");
            }
        }
    }
}
