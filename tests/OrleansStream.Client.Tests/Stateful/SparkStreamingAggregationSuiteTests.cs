using Microsoft.Extensions.Time.Testing;
using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;
using static OrleansStream.Testing.StreamSteps;

namespace OrleansStream.Client.Tests.Stateful;

/// <summary>Spark's StreamingAggregationSuite, its expected rows and state-row counts ported.</summary>
[Collection(SessionCollection.Name)]
public sealed class SparkStreamingAggregationSuiteTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    private static DataFrame CountByValue(DataFrame values) => values.GroupBy("value").Agg(Count().As("count"));

    [Fact]
    public async Task SimpleCount_UpdateMode()
    {
        var input = Session.CreateMemoryStream<int>();
        await Session.TestStream(CountByValue(input.ToDF()), OutputMode.Update).Run(
            AddData(input, 3),
            CheckNewAnswer("3:1"),
            AddData(input, 3, 2),
            CheckNewAnswer("3:2", "2:1"),
            StopStream,
            StartStream(),
            AddData(input, 3, 2, 1),
            CheckNewAnswer("3:3", "2:2", "1:1"),
            AddData(input, 4, 4, 4, 4),
            CheckNewAnswer("4:4"));
    }

    [Fact]
    public async Task SimpleCount_CompleteMode()
    {
        var input = Session.CreateMemoryStream<int>();
        await Session.TestStream(CountByValue(input.ToDF()), OutputMode.Complete).Run(
            AddData(input, 3),
            CheckAnswer("3:1"),
            AddData(input, 2),
            CheckAnswer("3:1", "2:1"),
            StopStream,
            StartStream(),
            AddData(input, 3, 2, 1),
            CheckAnswer("3:2", "2:2", "1:1"),
            AddData(input, 4, 4, 4, 4),
            CheckAnswer("4:4", "3:2", "2:2", "1:1"));
    }

    [Fact]
    public async Task SimpleCount_AppendMode_IsRefused()
    {
        var input = Session.CreateMemoryStream<int>();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => CountByValue(input.ToDF()).WriteStream.OutputMode(OutputMode.Append).Format("noop").StartAsync());
        Assert.Contains("append", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("not supported", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task MultipleKeys()
    {
        var input = Session.CreateMemoryStream<int>();
        var aggregated = input.ToDF().GroupBy(Col("value"), (Col("value") + 1).As("next")).Agg(Count().As("count"));
        await Session.TestStream(aggregated, OutputMode.Update).Run(
            AddData(input, 1, 2),
            CheckNewAnswer("1:2:1", "2:3:1"),
            AddData(input, 1, 2),
            CheckNewAnswer("1:2:2", "2:3:2"));
    }

    // "state metrics": numTotalStateRows and numUpdatedStateRows of the aggregation, in Update and Complete modes.
    [Theory]
    [InlineData(OutputMode.Update)]
    [InlineData(OutputMode.Complete)]
    public async Task StateMetrics(OutputMode mode)
    {
        var input = Session.CreateMemoryStream<int>();
        var table = "spark_agg_state_metrics_" + mode.ToString().ToLowerInvariant() + "_" + Guid.NewGuid().ToString("N")[..8];
        // flatMap(x => Seq(x, x + 1))
        var aggregated = CountByValue(input.ToDF().Select(Explode(Array(Col("value"), Col("value") + 1)).As("value")));
        var query = await aggregated.WriteStream.OutputMode(mode).Format("memory").QueryName(table).StartAsync();
        var run = new StateRowsProbe(Session, query, table);
        var complete = mode == OutputMode.Complete;
        await run.Step(() => input.AddDataAsync(1), ["1:1", "2:1"], total: 2, updated: 2);
        await run.Step(() => input.AddDataAsync(2, 3), complete ? ["1:1", "2:2", "3:2", "4:1"] : ["2:2", "3:2", "4:1"], [4], [3], lastBatch: complete);
        Assert.Equal(complete ? 4 : 3, query.LastProgress!.Sink.NumOutputRows);
        await query.StopAsync();
    }

    // "prune results by current_time, complete mode": current_timestamp() is the epoch's batch timestamp, the trigger's
    // tick on the query's clock. (Spark's test goes on to purge the commit log, which has no public counterpart here.)
    [Fact]
    public async Task PruneResultsByCurrentTime_CompleteMode()
    {
        using var dir = new TempDirectory();
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path, TimeProvider = clock });
        var input = session.CreateMemoryStream<long>();
        var aggregated = CountByValue(input.ToDF()).Where(Col("value") >= CurrentTimestamp().Cast("long") - 10L);
        await session.TestStream(aggregated, OutputMode.Complete, new StreamTestOptions { Trigger = Trigger.ProcessingTime("10 seconds"), Clock = clock }).Run(
            AddData(input, 0L, 5L, 5L, 10L),
            AdvanceClock(TimeSpan.FromSeconds(10)),
            CheckAnswer("0:1", "5:2", "10:1"),
            AddData(input, 15L, 15L, 20L),
            AdvanceClock(TimeSpan.FromSeconds(10)),
            CheckAnswer("10:1", "15:2", "20:1"),
            AddData(input, 0L, 85L),
            AdvanceClock(TimeSpan.FromSeconds(10)),
            CheckAnswer("20:1", "85:1"));
    }

    /// <summary>SPARK-21977 ("coalesce(1) with 0 partition RDD should be repartitioned to 1"): a global count in Complete
    /// mode answers with its one row after every epoch, an epoch whose input is empty included. Before any row, that row
    /// is count 0, as a global aggregation over an empty table answers in Spark.</summary>
    [Fact]
    public async Task GlobalCount_AnswersEveryEpoch_EmptyOnesIncluded()
    {
        var name = "spark_21977_" + Guid.NewGuid().ToString("N")[..8];
        var input = Session.CreateMemoryStream<int>();
        var query = await input.ToDF().GroupBy().Count()
            .WriteStream.OutputMode(OutputMode.Complete).Format("memory").QueryName(name).StartAsync();
        async Task<string[]> Step(params int[] rows)
        {
            var before = query.LastProgress?.BatchId ?? -1;
            await input.AddDataAsync(rows);
            await query.ProcessAllAvailableAsync();
            Assert.True(query.LastProgress!.BatchId > before, "an epoch ran for the new offset");
            return Scenario.Plain(await Session.Table(name).CollectAsync()).ToArray();
        }

        Assert.Equal(["0"], await Step());
        Assert.Equal(["1"], await Step(1));
        Assert.Equal(["1"], await Step());
        Assert.Equal(["3"], await Step(2, 3));
        Assert.Equal(["3"], await Step());
        await query.StopAsync();
    }

    /// <summary>The same global count in Update mode. Spark's aggregate without grouping columns answers one row over no
    /// input, so its partial aggregation feeds the state the empty key in every epoch: the state holds that one group from
    /// the first epoch on (one state row, in one partition of many), and every epoch updates it and emits it, empty ones
    /// included.</summary>
    [Fact]
    public async Task GlobalCount_UpdateMode_EmitsItsRowEveryEpoch()
    {
        var name = "spark_global_update_" + Guid.NewGuid().ToString("N")[..8];
        var input = Session.CreateMemoryStream<int>();
        var query = await input.ToDF().GroupBy().Agg(Count().As("count"), Sum(Col("value")).As("sum"))
            .WriteStream.OutputMode(OutputMode.Update).Format("memory").QueryName(name).StartAsync();
        var run = new StateRowsProbe(Session, query, name);
        await run.Step(() => input.AddDataAsync(), ["0:null"], total: 1, updated: 1);
        await run.Step(() => input.AddDataAsync(1), ["1:1"], total: 1, updated: 1);
        await run.Step(() => input.AddDataAsync(), ["1:1"], total: 1, updated: 1);
        await run.Step(() => input.AddDataAsync(2, 3), ["3:6"], total: 1, updated: 1);
        Assert.Equal(1, query.LastProgress!.Sink.NumOutputRows);
        await query.StopAsync();
    }

    /// <summary>A batch query takes the same path: a global aggregation over an empty table is one row (count 0, sum
    /// null), as in Spark.</summary>
    [Fact]
    public async Task GlobalAggregation_OverAnEmptyBatchTable_IsOneRow()
    {
        var name = "spark_global_batch_" + Guid.NewGuid().ToString("N")[..8];
        var input = Session.CreateMemoryStream<int>();
        var query = await input.ToDF().WriteStream.Format("memory").QueryName(name).StartAsync();
        await input.AddDataAsync(1, 2);
        await query.ProcessAllAvailableAsync();
        await query.StopAsync();
        var empty = Session.Table(name).Where("value < 0").GroupBy().Agg(Count().As("count"), Sum(Col("value")).As("sum"));
        Assert.Equal(["0:null"], Scenario.Plain(await empty.CollectAsync()));
        var all = Session.Table(name).GroupBy().Agg(Count().As("count"), Sum(Col("value")).As("sum"));
        Assert.Equal(["2:3"], Scenario.Plain(await all.CollectAsync()));
    }
}
