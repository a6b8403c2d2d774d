using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.Stateful;

/// <summary>Spark's StreamingDeduplicationSuite, its expected rows ported: an aggregation after dropDuplicates runs in Update and Complete modes.</summary>
[Collection(SessionCollection.Name)]
public sealed class SparkDeduplicationSuiteTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    [Theory]
    [InlineData(OutputMode.Update)]
    [InlineData(OutputMode.Complete)]
    public async Task DeduplicateWithAggregate(OutputMode mode)
    {
        var name = "dedup_agg_" + mode.ToString().ToLowerInvariant();
        var input = Session.CreateMemoryStream<(string, int)>();
        var query = await input.ToDF().Select(Col("_1").As("str"), Col("_2").As("num")).DropDuplicates()
            .GroupBy("str").Agg(Sum("num"))
            .WriteStream.OutputMode(mode).Format("memory").QueryName(name).StartAsync();
        var seen = 0;
        // Spark's CheckLastBatch and assertNumStateRows (Spark lists the aggregation's state before the deduplication's).
        async Task Step((string, int) row, string[] lastBatch, long[] total, long[] updated)
        {
            await input.AddDataAsync(row);
            await query.ProcessAllAvailableAsync();
            var rows = await Session.Table(name).CollectAsync();
            Assert.Equal(lastBatch, Scenario.Plain(mode == OutputMode.Complete ? rows : rows.Skip(seen).ToList()));
            seen = rows.Count;
            var operators = query.LastProgress!.StateOperators;
            Assert.Equal(total, new[] { operators[1].NumRowsTotal, operators[0].NumRowsTotal });
            Assert.Equal(updated, new[] { operators[1].NumRowsUpdated, operators[0].NumRowsUpdated });
        }

        var complete = mode == OutputMode.Complete;
        await Step(("a", 1), ["a:1"], [1, 1], [1, 1]);
        await Step(("a", 1), complete ? ["a:1"] : [], [1, 1], [0, 0]); // dropped
        await Step(("a", 2), ["a:3"], [1, 2], [1, 1]);
        await Step(("b", 1), complete ? ["a:3", "b:1"] : ["b:1"], [2, 3], [1, 1]);
        await query.StopAsync();
    }
}
