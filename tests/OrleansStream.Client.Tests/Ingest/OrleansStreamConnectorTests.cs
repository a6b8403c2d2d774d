using Apache.Arrow;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Streams;
using OrleansStream.Grains.Ingest;
using OrleansStream.Interfaces.Ingest;
using OrleansStream.Plan.Types;

namespace OrleansStream.Client.Tests.Ingest;

/// <summary>Orleans streams at the edge: memory streams into a query through the ingest log, and a query's epochs out to streams.</summary>
public sealed class OrleansStreamConnectorTests : IAsyncLifetime
{
    private const string Schema = "id BIGINT NOT NULL, user STRING";
    private readonly TempDirectory _data = new();
    private readonly LoseSinkCommitAnswer _loseCommit = new();
    private IServiceProvider _silo = null!;
    private StreamSession _session = null!;

    public async Task InitializeAsync() => _session = await StreamSession.StartLocalAsync(new EmbeddedSiloOptions
    {
        DataDirectory = _data.Path,
        ConfigureSilo = silo =>
        {
            silo.AddMemoryStreams("memory").AddMemoryGrainStorage("PubSubStore");
            silo.AddStreamIngest("memory", "clicks", Schema, partitions: 2);
            silo.AddIncomingGrainCallFilter(_loseCommit);
            silo.Services.Configure<OrleansStream.Grains.Hosting.OrleansStreamOptions>(o => o.EpochRetryDelay = TimeSpan.FromMilliseconds(50));
            silo.AddStartupTask((services, _) =>
            {
                _silo = services;
                return Task.CompletedTask;
            });
        },
    });

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
        _data.Dispose();
    }

    private IStreamProvider Streams => _silo.GetRequiredService<IClusterClient>().GetStreamProvider("memory");

    [Fact]
    public async Task StreamItems_BatchesRowsAndRowLists_ReachTheQueryOnceEach_AndABadItemIsSkippedAlone()
    {
        var query = await _session.ReadStream.Format("orleans-stream").Option("provider", "memory").Load("clicks")
            .WriteStream.Format("memory").QueryName("from_streams").StartAsync();
        var u1 = Streams.GetStream<object>(StreamId.Create("clicks", "u1"));
        var u2 = Streams.GetStream<object>(StreamId.Create("clicks", "u2"));

        await u1.OnNextAsync(ArrowIpc.Serialize(ArrowValues.FromRows(DataTypes.ParseSchema(Schema), [[1L, "u1"], [2L, "u1"]])));
        await u2.OnNextAsync(new object?[] { 3L, "u2" });
        await u2.OnNextAsync(new object?[] { "not a number", "u2" });
        await u1.OnNextAsync(new List<object?[]> { new object?[] { 4L, "u1" }, new object?[] { 5L, null } });

        var rows = await WaitForRowsAsync(query, "from_streams", 5);
        Assert.Equal(["1 u1", "2 u1", "3 u2", "4 u1", "5 "], rows);
        await query.StopAsync();
    }

    [Fact]
    public async Task StreamSource_OfANamespaceThatIsNotBound_FailsAtStartNamingIt()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => _session.ReadStream.Format("orleans-stream").Option("provider", "memory").Load("nope")
            .WriteStream.Format("memory").QueryName("nope").StartAsync());
        Assert.Contains("Orleans stream namespace 'nope' of provider 'memory' is not bound to an ingest", error.Message);
    }

    [Fact]
    public async Task StreamSink_PublishesEachEpochsRowsPerKey_EveryItemCarryingItsEpochId()
    {
        var received = new List<StreamSinkItem>();
        foreach (var key in new[] { "a", "b" })
            await Streams.GetStream<StreamSinkItem>(StreamId.Create("out", key)).SubscribeAsync((item, _) =>
            {
                lock (received) received.Add(item);
                return Task.CompletedTask;
            });
        var input = _session.CreateMemoryStream<(string, int)>();
        var query = await input.ToDF().WithColumnRenamed("_1", "user").WithColumnRenamed("_2", "n")
            .WriteStream.Format("orleans-stream").Option("provider", "memory").Option("namespace", "out").Option("keyColumn", "user").StartAsync();

        await input.AddDataAsync(("a", 1), ("b", 2), ("a", 3));
        await query.ProcessAllAvailableAsync();
        await input.AddDataAsync(("b", 4));
        await query.ProcessAllAvailableAsync();
        await query.StopAsync();

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Count() < 3 && DateTime.UtcNow < deadline) await Task.Delay(100);
        string[] items;
        lock (received)
            items = received.OrderBy(i => i.EpochId).ThenBy(i => i.Key)
                .Select(i => $"{i.EpochId} {i.Key}: {string.Join(",", ArrowValues.ToRows(ArrowIpc.Deserialize(i.ArrowIpc)).Select(r => $"{r[0]}{r[1]}"))}").ToArray();
        Assert.Equal(["0 a: a1,a3", "0 b: b2", "1 b: b4"], items);
        Assert.All(received, i => Assert.Equal(query.Id, i.QueryId));

        int Count()
        {
            lock (received) return received.Count;
        }
    }

    [Fact]
    public async Task StreamSink_AnEpochRunAgainAfterItPublished_RepublishesWithTheSameEpochId_SoASubscriberSkippingSeenEpochsGetsEveryRowOnce()
    {
        var received = new List<StreamSinkItem>();
        await Streams.GetStream<StreamSinkItem>(StreamId.Create("replayed", OrleansStreamSinkProvider.AllKey)).SubscribeAsync((item, _) =>
        {
            lock (received) received.Add(item);
            return Task.CompletedTask;
        });
        var input = _session.CreateMemoryStream<int>();
        var query = await input.ToDF().WriteStream.Format("orleans-stream").Option("provider", "memory").Option("namespace", "replayed").StartAsync();
        _loseCommit.Arm();

        await input.AddDataAsync(1, 2);
        await query.ProcessAllAvailableAsync();
        await input.AddDataAsync(3);
        await query.ProcessAllAvailableAsync();
        await query.StopAsync();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Count() < 3 && DateTime.UtcNow < deadline) await Task.Delay(100);

        Assert.Equal(1, _loseCommit.Lost);
        long[] epochs;
        var applied = new List<int>();
        lock (received)
        {
            epochs = received.Select(i => i.EpochId).ToArray();
            long last = -1;
            foreach (var item in received)
            {
                if (item.EpochId <= last) continue;   // the subscriber's side of the contract
                last = item.EpochId;
                applied.AddRange(ArrowValues.ToRows(ArrowIpc.Deserialize(item.ArrowIpc)).Select(r => (int)r[0]!));
            }
        }
        Assert.Equal([0L, 0, 1], epochs);
        Assert.Equal([1, 2, 3], applied);

        int Count()
        {
            lock (received) return received.Count;
        }
    }

    [Fact]
    public async Task StreamSink_WithAKeyColumnTheOutputLacks_IsRefusedAtStartNamingIt()
    {
        var input = _session.CreateMemoryStream<int>();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => input.ToDF().WriteStream.Format("orleans-stream")
            .Option("provider", "memory").Option("namespace", "out").Option("keyColumn", "user").StartAsync());
        Assert.Contains("Option 'keyColumn' of the orleans-stream sink names column 'user'", error.Message);
    }

    // Stream items arrive on the provider's own schedule: the query is asked again until they are all in.
    private async Task<List<string>> WaitForRowsAsync(StreamingQuery query, string table, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            await query.ProcessAllAvailableAsync();
            try
            {
                var rows = (await _session.Table(table).CollectAsync()).Select(r => $"{r["id"]} {r["user"]}").Order(StringComparer.Ordinal).ToList();
                if (rows.Count >= count || DateTime.UtcNow > deadline) return rows;
            }
            catch (OrleansStream.Plan.AnalysisException) when (DateTime.UtcNow < deadline)
            {
                // No epoch has committed yet: the table does not exist.
            }
            await Task.Delay(200);
        }
    }

    /// <summary>Once armed, the sink's commit of epoch 0 runs (it publishes) and then its answer is lost: the epoch runs again.</summary>
    private sealed class LoseSinkCommitAnswer : IIncomingGrainCallFilter
    {
        private int _armed;
        public int Lost;

        public void Arm() => Volatile.Write(ref _armed, 1);

        public async Task Invoke(IIncomingGrainCallContext context)
        {
            await context.Invoke();
            if (context.InterfaceMethod.DeclaringType == typeof(OrleansStream.Interfaces.Execution.ISinkGrain)
                && context.InterfaceMethod.Name == nameof(OrleansStream.Interfaces.Execution.ISinkGrain.CommitAsync)
                && (long)context.Request.GetArgument(1)! == 0 && Interlocked.Exchange(ref _armed, 0) == 1)
            {
                Interlocked.Increment(ref Lost);
                throw new OrleansException("Injected: the answer of the sink's commit of epoch 0 was lost.");
            }
        }
    }
}
