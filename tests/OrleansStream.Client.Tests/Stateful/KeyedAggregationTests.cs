using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.Stateful;

/// <summary>Aggregations without event time: keyed and global, Complete and Update, every aggregate function, restarts and rescaling.</summary>
public abstract class KeyedAggregationTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    [Fact]
    public async Task CompleteCounts_SurviveARestart_AndARestartWithMorePartitions()
    {
        var checkpoint = "keyed-" + Guid.NewGuid().ToString("N");
        var input = Session.CreateMemoryStream<string>();
        var counts = input.ToDF().GroupBy("value").Count();
        async Task<StreamingQuery> Start(int partitions) => await counts.WriteStream.OutputMode(OutputMode.Complete).Format("memory")
            .QueryName("keyed_counts").Option("checkpointLocation", checkpoint).Option("numStatePartitions", partitions.ToString()).StartAsync();

        var query = await Start(2);
        await input.AddDataAsync("a", "b", "a");
        await query.ProcessAllAvailableAsync();
        Assert.Equal(["a:2", "b:1"], Scenario.Plain(await Session.Table("keyed_counts").CollectAsync()));
        await input.AddDataAsync("b", "c");
        await query.ProcessAllAvailableAsync();
        Assert.Equal(["a:2", "b:2", "c:1"], Scenario.Plain(await Session.Table("keyed_counts").CollectAsync()));
        Assert.Equal(3, query.LastProgress!.StateOperators[0].NumRowsTotal);
        Assert.Equal(2, query.LastProgress.StateOperators[0].NumRowsUpdated);
        Assert.Equal(2, query.LastProgress.StateOperators[0].NumShufflePartitions);
        await query.StopAsync();

        // Same checkpoint, three partitions: every key's count moves with its key group.
        query = await Start(3);
        await input.AddDataAsync("a", "d");
        await query.ProcessAllAvailableAsync();
        Assert.Equal(["a:3", "b:2", "c:1", "d:1"], Scenario.Plain(await Session.Table("keyed_counts").CollectAsync()));
        Assert.Equal(3, query.LastProgress!.StateOperators[0].NumShufflePartitions);
        Assert.Equal(2, query.LastProgress.BatchId);
        await query.StopAsync();
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
