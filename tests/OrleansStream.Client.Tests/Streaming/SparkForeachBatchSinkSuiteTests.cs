using System.Collections.Concurrent;
using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.Streaming;

/// <summary>Spark's ForeachBatchSinkSuite, its expected rows ported.</summary>
[Collection(SessionCollection.Name)]
public sealed class SparkForeachBatchSinkSuiteTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    /// <summary>Spark's ForeachBatchTester: each check adds rows, waits, and compares what the function recorded for the next batch id.</summary>
    private sealed class Tester(MemoryStream<int> input)
    {
        private readonly ConcurrentDictionary<long, string[]> _recorded = new();
        private long _expectedBatchId = -1;

        public async Task Record(DataFrame batch, long batchId) => _recorded[batchId] = Scenario.Plain(await batch.CollectAsync());

        public async Task Check(StreamingQuery query, int[] rows, params string[] expected)
        {
            _expectedBatchId++;
            await input.AddDataAsync(rows);
            await query.ProcessAllAvailableAsync();
            Assert.True(_recorded.TryGetValue(_expectedBatchId, out var output), $"batch {_expectedBatchId} was recorded");
            Assert.Equal(expected.Order(StringComparer.Ordinal), output!.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task NonStatefulQuery()
    {
        var input = Session.CreateMemoryStream<int>();
        var tester = new Tester(input);
        var query = await input.ToDF().SelectExpr("value + 1 as value")
            .WriteStream.ForeachBatch((df, id) => tester.Record(df.SelectExpr("value + 1"), id)).StartAsync();
        // out = in + 2 (1 in the query, 1 in the function)
        await tester.Check(query, [1, 2, 3], "3", "4", "5");
        await tester.Check(query, [5, 6, 7], "7", "8", "9");
        Assert.Contains(query.RecentProgress, p => p.NumInputRows > 0); // foreachBatch does not affect metrics
        await query.StopAsync();
    }

    private static DataFrame CountByParity(MemoryStream<int> input) =>
        input.ToDF().Select((Col("value") % 2).As("key")).GroupBy("key").Agg(Count().As("value"));

    [Fact]
    public async Task StatefulQuery_UpdateMode()
    {
        var input = Session.CreateMemoryStream<int>();
        var tester = new Tester(input);
        var query = await CountByParity(input).WriteStream.OutputMode(OutputMode.Update).ForeachBatch(tester.Record).StartAsync();
        await tester.Check(query, [0], "0:1");
        await tester.Check(query, [1], "1:1");
        await tester.Check(query, [2, 3], "0:2", "1:2");
        await query.StopAsync();
    }

    [Fact]
    public async Task StatefulQuery_CompleteMode()
    {
        var input = Session.CreateMemoryStream<int>();
        var tester = new Tester(input);
        var query = await CountByParity(input).WriteStream.OutputMode(OutputMode.Complete).ForeachBatch(tester.Record).StartAsync();
        await tester.Check(query, [0], "0:1");
        await tester.Check(query, [1], "0:1", "1:1");
        await tester.Check(query, [2], "0:2", "1:1");
        await query.StopAsync();
    }

    [Fact]
    public void ANullFunction_IsRefused()
    {
        var input = Session.CreateMemoryStream<int>();
        var error = Assert.ThrowsAny<ArgumentException>(() => input.ToDF().WriteStream.ForeachBatch(null!));
        Assert.Contains("foreachBatch function cannot be null", error.Message);
    }
}
