using OrleansStream.Client.Tests.Infrastructure;
using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Connectors.Redis;
using OrleansStream.Engine.Logical;
using StackExchange.Redis;
using static OrleansStream.Client.Functions;
using static OrleansStream.Testing.StreamSteps;

namespace OrleansStream.Client.Tests.Streaming;

/// <summary>
/// The redis-streams source against a real redis-server: entries added with XADD become rows (stream, id, timestamp of the
/// id, and the declared columns or a fields map), each exactly once across epochs and restarts.
/// </summary>
[Collection(SessionCollection.Name)]
public sealed class RedisStreamsSourceTests(SessionFixture fixture, RedisFixture redis) : IClassFixture<RedisFixture>
{
    private StreamSession Session => fixture.Session;

    private DataStreamReader Reader(string streams, string? startingOffsets = "earliest", string? schema = "user STRING, n INT")
    {
        var reader = Session.ReadStream.Format("redis-streams").Option("host", redis.Host).Option("streams", streams);
        if (startingOffsets is not null) reader = reader.Option("startingOffsets", startingOffsets);
        return schema is null ? reader : reader.Option("schema", schema);
    }

    [Fact]
    public async Task SeveralStreams_EveryEntryAddedBecomesOneRow_InTheEpochAfterIt()
    {
        await redis.AddAsync("t1:clicks", "1000-0", ("user", "ada"), ("n", "1"));
        await redis.AddAsync("t1:views", "1500-0", ("user", "bob"), ("n", "2"), ("extra", "skipped"));
        var df = Reader("t1:clicks,t1:views").Load().Select("stream", "id", "timestamp", "user", "n");

        await Session.TestStream(df).Run(
            CheckNewAnswer("t1:clicks:1000-0:1:ada:1", "t1:views:1500-0:1:bob:2"),
            Execute(_ => redis.AddAsync("t1:clicks", "2000-0", ("user", "cyd"), ("n", "3")), "XADD t1:clicks 2000-0"),
            Execute(_ => redis.AddAsync("t1:clicks", "2000-1", ("n", "4")), "XADD t1:clicks 2000-1 without user"),
            Execute(_ => redis.AddAsync("t1:views", "3000-0", ("user", "dee"), ("n", "")), "XADD t1:views 3000-0 with an empty n"),
            CheckNewAnswer("t1:clicks:2000-0:2:cyd:3", "t1:clicks:2000-1:2:null:4", "t1:views:3000-0:3:dee:null"),
            CheckNewAnswer(),
            AssertOnQuery(q => q.LastProgress!.Sources[0].EndOffset?.GetRawText() == "{\"streams\":{\"t1:clicks\":\"2000-1\",\"t1:views\":\"3000-0\"}}",
                "the end offset is the last id read per stream"));
    }

    [Fact]
    public async Task WithoutSchema_TheEntrysFieldsAreAMap_InTheirOrder()
    {
        await redis.AddAsync("t2:s", "1-1", ("b", "2"), ("a", "1"));
        var query = await Reader("t2:s", schema: null).Load().WriteStream.Format("memory").QueryName("redis_fields").StartAsync();
        await query.ProcessAllAvailableAsync();
        await query.StopAsync();

        var row = Assert.Single(await Session.Table("redis_fields").CollectAsync());
        Assert.Equal(["stream", "id", "timestamp", "fields"], row.FieldNames);
        var fields = Assert.IsAssignableFrom<IReadOnlyDictionary<object, object?>>(row["fields"]);
        Assert.Equal(["b", "a"], fields.Keys);
        Assert.Equal("1", fields["a"]);
    }

    [Fact]
    public async Task StartingOffsets_LatestSkipsWhatCameBefore_EvenAcrossARestartBeforeTheFirstEntry()
    {
        await redis.AddAsync("t3:s", "1000-0", ("user", "old"), ("n", "0"));
        var df = Reader("t3:s", startingOffsets: null).Load().Select("id", "user");

        await Session.TestStream(df).Run(
            CheckNewAnswer(),
            // The ids "latest" resolved to are in the checkpoint: what arrives while the query is stopped is read after it.
            StopStream,
            Execute(_ => redis.AddAsync("t3:s", "2000-0", ("user", "new"), ("n", "1")), "XADD while stopped"),
            StartStream(),
            CheckNewAnswer("2000-0:new"));
    }

    [Fact]
    public async Task StartingOffsets_JsonStartsEachStreamAfterItsId_OrAtItsLastEntry()
    {
        await redis.AddAsync("t4:a", "1-0", ("user", "a1"));
        await redis.AddAsync("t4:a", "2-0", ("user", "a2"));
        await redis.AddAsync("t4:a", "3-0", ("user", "a3"));
        await redis.AddAsync("t4:b", "1-0", ("user", "b1"));
        var df = Reader("t4:a,t4:b", "{\"t4:a\":\"1-0\",\"t4:b\":\"$\"}").Load().Select("id", "user");

        await Session.TestStream(df).Run(
            CheckNewAnswer("2-0:a2", "3-0:a3"),
            Execute(_ => redis.AddAsync("t4:b", "5-0", ("user", "b5")), "XADD t4:b"),
            CheckNewAnswer("5-0:b5"));
    }

    [Fact]
    public async Task MaxEntriesPerTrigger_SplitsTheBacklogIntoEpochs_SharedAmongTheStreams()
    {
        for (var i = 1; i <= 5; i++) await redis.AddAsync("t5:a", $"{i}-0", ("user", $"a{i}"));
        for (var i = 1; i <= 2; i++) await redis.AddAsync("t5:b", $"{i}-0", ("user", $"b{i}"));
        var query = await Reader("t5:a,t5:b").Option("maxEntriesPerTrigger", 4).Load().Select("user")
            .WriteStream.Format("memory").QueryName("redis_max_entries").Trigger(Trigger.AvailableNow()).StartAsync();
        Assert.True(await query.AwaitTerminationAsync(TimeSpan.FromSeconds(60)));

        // Two entries per stream, then the three left in t5:a (the share of a stream with nothing new goes unused).
        Assert.Equal([4L, 3], query.RecentProgress.Select(p => p.NumInputRows));
        var users = (await Session.Table("redis_max_entries").CollectAsync()).Select(r => (string)r["user"]!).Order();
        Assert.Equal(["a1", "a2", "a3", "a4", "a5", "b1", "b2"], users);
    }

    [Fact]
    public async Task TriggerOnce_TakesEverythingAvailable_WhateverMaxEntriesPerTriggerSays()
    {
        for (var i = 1; i <= 5; i++) await redis.AddAsync("t11:a", $"{i}-0", ("user", $"a{i}"));
        var query = await Reader("t11:a").Option("maxEntriesPerTrigger", 2).Load().Select("user")
            .WriteStream.Format("memory").QueryName("redis_once").Trigger(Trigger.Once()).StartAsync();
        Assert.True(await query.AwaitTerminationAsync(TimeSpan.FromSeconds(60)));

        Assert.Equal([5L], query.RecentProgress.Select(p => p.NumInputRows));
    }

    [Fact]
    public async Task RestartFromTheCheckpoint_ContinuesWithoutDuplicatesOrGaps_IntoAFileSink()
    {
        var output = Path.Combine(fixture.Data.Path, "redis-restart-out");
        const string Checkpoint = "redis-restart";
        var expected = new List<string>();
        async Task Add(int from, int to)
        {
            for (var i = from; i < to; i++)
            {
                await redis.AddAsync(i % 2 == 0 ? "t6:a" : "t6:b", $"{i + 1}-0", ("user", $"u{i}"), ("n", $"{i}"));
                expected.Add($"u{i}");
            }
        }
        async Task RunOnce()
        {
            var query = await Reader("t6:a,t6:b").Option("maxEntriesPerTrigger", 3).Load().Select("user", "n")
                .WriteStream.Format("json").Option("checkpointLocation", Checkpoint).Trigger(Trigger.AvailableNow()).StartAsync(output);
            Assert.True(await query.AwaitTerminationAsync(TimeSpan.FromSeconds(60)));
            Assert.Null(query.Exception);
        }

        await Add(0, 7);
        await RunOnce();
        await Add(7, 12);
        await RunOnce();
        await RunOnce();

        var users = (await Session.Read.Schema("user STRING, n INT").Json(output).CollectAsync()).Select(r => (string)r["user"]!);
        Assert.Equal(expected.Order(), users.Order());
    }

    [Fact]
    public async Task StreamPattern_ReadsStreamsThatAppearLater_FromTheirFirstEntry()
    {
        await redis.AddAsync("t7:p:1", "1-0", ("user", "one"));
        var df = Session.ReadStream.Format("redis-streams").Option("host", redis.Host).Option("streamPattern", "t7:p:*")
            .Option("startingOffsets", "earliest").Option("numPartitions", 2).Option("schema", "user STRING").Load().Select("stream", "user");

        await Session.TestStream(df).Run(
            CheckNewAnswer("t7:p:1:one"),
            Execute(async _ =>
            {
                await redis.AddAsync("t7:p:2", "1-0", ("user", "two"));
                await redis.AddAsync("t7:p:2", "2-0", ("user", "two again"));
                await redis.AddAsync("t7:q:3", "1-0", ("user", "not matched"));
                await redis.Db.StringSetAsync("t7:p:string", "not a stream");
            }, "a new stream, and keys the pattern does not take"),
            CheckNewAnswer("t7:p:2:two", "t7:p:2:two again"),
            StopStream,
            Execute(_ => redis.AddAsync("t7:p:3", "1-0", ("user", "three")), "another while stopped"),
            StartStream(),
            CheckNewAnswer("t7:p:3:three"));
    }

    [Fact]
    public async Task AFieldThatDoesNotParse_FailsTheQuery_NamingTheStreamTheEntryAndTheField()
    {
        await redis.AddAsync("t8:s", "1-0", ("user", "ok"), ("n", "1"));
        var df = Reader("t8:s").Load().Select("user", "n");

        await Session.TestStream(df).Run(
            CheckNewAnswer("ok:1"),
            Execute(_ => redis.AddAsync("t8:s", "7-3", ("user", "bad"), ("n", "twelve")), "XADD n=twelve"),
            ExpectFailure<StreamingQueryException>("Redis stream 't8:s' entry 7-3: field 'n' cannot parse 'twelve' as int"));
    }

    [Fact]
    public async Task AnUnreachableServer_IsRefusedAtStart_NamingOptionHost()
    {
        var closed = Ports.Free();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => Session.ReadStream.Format("redis-streams").Option("host", $"127.0.0.1:{closed}")
            .Option("streams", "s").Load().WriteStream.Format("memory").QueryName("redis_unreachable").StartAsync());

        Assert.Contains($"Option 'host': cannot connect to Redis at '127.0.0.1:{closed}", error.Message);
    }

    [Fact]
    public async Task AMissingStreamOrAKeyOfAnotherType_IsRefusedAtStart_NamingOptionStreams()
    {
        await redis.AddAsync("t9:exists", "1-0", ("user", "x"));
        await redis.Db.StringSetAsync("t9:string", "x");

        var missing = await Assert.ThrowsAnyAsync<Exception>(() => Reader("t9:exists,t9:missing").Load().WriteStream.Format("memory").QueryName("redis_missing").StartAsync());
        var wrongType = await Assert.ThrowsAnyAsync<Exception>(() => Reader("t9:string").Load().WriteStream.Format("memory").QueryName("redis_wrong_type").StartAsync());
        var badOption = await Assert.ThrowsAnyAsync<Exception>(() => Reader("t9:exists").Option("maxEntriesPerTrigger", "many").Load().WriteStream.Format("memory").QueryName("redis_bad_option").StartAsync());

        Assert.Contains("Option 'streams': stream 't9:missing' does not exist", missing.Message);
        Assert.Contains("Option 'streams': key 't9:string'", wrongType.Message);
        Assert.Contains("is a string, not a stream", wrongType.Message);
        Assert.Contains("Invalid value 'many' for option 'maxEntriesPerTrigger'", badOption.Message);
    }

    [Fact]
    public async Task ASourceTask_ReadsItsRangeInPages_AndReadsTheSameEntriesAgainOnReplay()
    {
        for (var i = 1; i <= 2500; i++) await redis.AddAsync("t10:a", $"{i}-0", ("user", $"a{i}"));
        await redis.AddAsync("t10:b", "1-0", ("user", "b"));
        using var provider = new RedisStreamsSourceProvider();
        var source = provider.CreateStream(new SourceRelation("redis", "redis-streams", new Dictionary<string, string>
        {
            ["host"] = redis.Host, ["streams"] = "t10:a,t10:b", ["startingOffsets"] = "{\"t10:a\":\"10-0\",\"t10:b\":\"0\"}", ["schema"] = "user STRING",
        }, null, true), new SourceContext());

        var end = await source.LatestOffsetAsync(null, new PlanningState(), null, CancellationToken.None);
        Assert.Equal("{\"streams\":{\"t10:a\":\"2500-0\",\"t10:b\":\"1-0\"},\"start\":{\"t10:a\":\"10-0\",\"t10:b\":\"0-0\"}}", end);
        Assert.Equal(2, source.NumPartitions);

        async Task<List<string>> Read(int partition, List<int> batchSizes)
        {
            var ids = new List<string>();
            var columns = new Apache.Arrow.Schema([source.Schema.GetFieldByName("id")], null);
            await foreach (var b in source.ReadAsync(null, end!, new SourcePartition(partition, 2), columns, CancellationToken.None))
            {
                batchSizes.Add(b.Length);
                var column = (Apache.Arrow.StringArray)b.Column(0);
                for (var r = 0; r < b.Length; r++) ids.Add(column.GetString(r));
            }
            return ids;
        }
        var sizes = new List<int>();
        var first = await Read(0, sizes);
        Assert.Equal([1000, 1000, 490], sizes);
        Assert.Equal(Enumerable.Range(11, 2490).Select(i => $"{i}-0"), first);
        Assert.Equal(first, await Read(0, []));
        Assert.Equal(["1-0"], await Read(1, []));

        // With nothing new, there is no next epoch.
        Assert.Null(await source.LatestOffsetAsync(end, new PlanningState(), null, CancellationToken.None));
    }

    private sealed class PlanningState : ISourcePlanningState
    {
        public long? StartMs { get; set; }
        public ISet<string> SeenFiles { get; } = new HashSet<string>();
    }
}
