using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.StateReader;

/// <summary>
/// Spark's state data source (StateDataSourceReadSuite, StateDataSourceTransformWithStateSuite, StateMetadataSourceSuite):
/// a stateful query runs to a checkpoint, then <c>Read.Format("statestore")</c> reads its operator's state at the last
/// committed and at an earlier batch as rows of key, value and partition_id, and <c>Read.Format("state-metadata")</c>
/// lists its operators.
/// </summary>
public abstract class StateReaderTests(SessionFixture fixture)
{
    protected StreamSession Session => fixture.Session;

    [Fact]
    public async Task Aggregation_ReadsTheBuffersOfEveryPartition_AtTheLastAndAnEarlierBatch()
    {
        var input = Session.CreateMemoryStream<(string, long)>();
        var query = await input.ToDF().GroupBy("_1").Agg(Count().As("cnt"), Sum("_2").As("total"), Max("_2").As("top"))
            .WriteStream.Format("memory").QueryName("sr_agg").OutputMode(OutputMode.Update)
            .Option("checkpointLocation", "sr-agg").Option("numStatePartitions", "2").StartAsync();
        await input.AddDataAsync(("a", 1), ("b", 2), ("a", 3));
        await query.ProcessAllAvailableAsync();
        await input.AddDataAsync(("b", 5), ("c", 7));
        await query.ProcessAllAvailableAsync();
        await query.StopAsync();

        var last = await Rows(Session.Read.Format("statestore").Load("sr-agg"));
        Assert.Equal(["[[a],[2,4,3]]", "[[b],[2,7,5]]", "[[c],[1,7,7]]"], last.Select(r => $"[{r[0]},{r[1]}]").Order(StringComparer.Ordinal));
        var first = await Rows(Session.Read.Format("statestore").Option("batchId", 0).Load("sr-agg"));
        Assert.Equal(["[[a],[2,4,3]]", "[[b],[1,2,2]]"], first.Select(r => $"[{r[0]},{r[1]}]").Order(StringComparer.Ordinal));
        Assert.All(last, r => Assert.InRange((int)r[2]!, 0, 1));
        Assert.Equal(["key", "value", "partition_id"], last[0].FieldNames);
        Assert.Equal(["count", "sum", "max"], ((Row)last[0][1]!).FieldNames);
    }

    private static async Task<IReadOnlyList<Row>> Rows(DataFrame df) => await df.CollectAsync();
}

[Collection(SessionCollection.Name)]
public sealed class StateReaderOnFileSystem(SessionFixture fixture) : StateReaderTests(fixture);
