using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;
using static OrleansStream.Testing.StreamSteps;

namespace OrleansStream.Client.Tests.Stateful;

/// <summary>Aggregations without event time: keyed and global, Complete and Update, every aggregate function, restarts and rescaling.</summary>
public abstract class KeyedAggregationTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    [Fact]
    public async Task CompleteCounts_SurviveARestart_AndARestartWithMorePartitions()
    {
        var input = Session.CreateMemoryStream<string>();
        StateOperatorProgress State(StreamingQuery q) => q.LastProgress!.StateOperators[0];
        await Session.TestStream(input.ToDF().GroupBy("value").Count(), OutputMode.Complete,
            new StreamTestOptions { QueryName = "keyed_counts", Options = new Dictionary<string, string> { ["numStatePartitions"] = "2" } }).Run(
            AddData(input, "a", "b", "a"),
            CheckAnswer("a:2", "b:1"),
            AddData(input, "b", "c"),
            CheckAnswer("a:2", "b:2", "c:1"),
            AssertOnQuery(q => State(q).NumRowsTotal == 3 && State(q).NumRowsUpdated == 2 && State(q).NumShufflePartitions == 2, "3 keys, 2 updated, 2 partitions"),
            StopStream,
            // Same checkpoint, three partitions: every key's count moves with its key group.
            StartStream(options: new Dictionary<string, string> { ["numStatePartitions"] = "3" }),
            AddData(input, "a", "d"),
            CheckAnswer("a:3", "b:2", "c:1", "d:1"),
            AssertOnQuery(q => State(q).NumShufflePartitions == 3 && q.LastProgress!.BatchId == 2, "3 partitions in epoch 2"));
    }

    [Fact]
    public async Task GlobalAggregates_FollowSparkNullSemantics()
    {
        var input = Session.CreateMemoryStream<(string, int?)>();
        var query = await input.ToDF()
            .Agg(Count().As("rows"), Count("_2").As("values"), Sum("_2").As("sum"), Avg("_2").As("avg"), Min("_2").As("min"), Max("_2").As("max"),
                First("_1").As("first"), Last("_2").As("last"), ApproxCountDistinct("_1").As("users"))
            .WriteStream.OutputMode(OutputMode.Update).Format("memory").QueryName("global_aggs").StartAsync();

        await input.AddDataAsync(("a", 4), ("b", null), ("a", 2));
        await query.ProcessAllAvailableAsync();
        // rows | values | sum | avg | min | max | first | last (nulls count) | users
        Assert.Equal(["3:2:6:3:2:4:a:2:2"], Scenario.Plain(await Session.Table("global_aggs").CollectAsync()));
        await input.AddDataAsync(("c", 9), ("d", null));
        await query.ProcessAllAvailableAsync();
        Assert.Equal(["3:2:6:3:2:4:a:2:2", "5:3:15:5:2:9:a:null:4"], Scenario.Plain(await Session.Table("global_aggs").CollectAsync()));
        await query.StopAsync();
    }

    [Fact]
    public async Task UpdateMode_EmitsOnlyTheKeysTheEpochChanged()
    {
        var input = Session.CreateMemoryStream<(string, long)>();
        var query = await input.ToDF().GroupBy("_1").Agg(Sum("_2").As("total"), Max("_2").As("top"))
            .WriteStream.OutputMode(OutputMode.Update).Format("memory").QueryName("update_keys").StartAsync();
        await input.AddDataAsync(("x", 1), ("y", 5), ("x", 3));
        await query.ProcessAllAvailableAsync();
        await input.AddDataAsync(("y", 2));
        await query.ProcessAllAvailableAsync();
        Assert.Equal(["x:4:3", "y:5:5", "y:7:5"], Scenario.Plain(await Session.Table("update_keys").CollectAsync()));
        await query.StopAsync();
    }

    [Fact]
    public async Task BatchGroupBy_UsesTheSameOperators()
    {
        var rows = await Session.CreateDataFrame([["a", 1L], ["b", 2L], ["a", 5L]], "k STRING, v BIGINT").GroupBy("k").Agg(Sum("v").As("s"), Count().As("n")).CollectAsync();
        Assert.Equal(["a:6:2", "b:2:1"], Scenario.Plain(rows));
    }
}

[Collection(SessionCollection.Name)]
public sealed class KeyedAggregationOnFileSystem(SessionFixture fixture) : KeyedAggregationTests(fixture);

[Collection(BlobSessionCollection.Name)]
public sealed class KeyedAggregationOnAzureBlob(BlobSessionFixture fixture) : KeyedAggregationTests(fixture);
