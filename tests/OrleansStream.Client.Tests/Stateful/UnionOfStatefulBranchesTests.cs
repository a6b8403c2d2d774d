using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;
using static OrleansStream.Testing.StreamSteps;

namespace OrleansStream.Client.Tests.Stateful;

/// <summary>
/// A union whose inputs each went through their own stateful operator: each branch is a keyed stage of the stage graph, and
/// both hand their rows to the sink (or to the next keyed stage). Spark allows several streaming aggregations only in
/// Append mode; deduplications in any mode.
/// </summary>
public abstract class UnionOfStatefulBranchesTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    private static DataFrame WindowCounts(MemoryStream<long> input) =>
        input.ToDF().WithColumn("eventTime", Col("value").Cast("timestamp")).WithWatermark("eventTime", "0 seconds")
            .GroupBy(Window(Col("eventTime"), "5 seconds")).Count();

    [Fact]
    public async Task UnionOfTwoWindowedAggregations_InAppendMode_EmitsEachSidesFinalWindows_AcrossARestart()
    {
        var left = Session.CreateMemoryStream<long>();
        var right = Session.CreateMemoryStream<long>();
        await Session.TestStream(WindowCounts(left).Union(WindowCounts(right)), OutputMode.Append,
            new StreamTestOptions { Render = rows => Scenario.Windows(rows), Options = new Dictionary<string, string> { ["numStatePartitions"] = "2" } }).Run(
            // The global watermark is the smaller side's: 3, so nothing is final.
            AddData(left, [1L, 2, 3], right, [6L, 7]),
            CheckAnswer(),
            // Both sides reach 12: the left's [0,5) and the right's [5,10) are final.
            AddData(left, [12L], right, [12L]),
            CheckAnswer("0-5:3", "5-10:2"),
            AssertOnQuery(q => q.LastProgress!.StateOperators.Count == 2 && q.LastProgress.StateOperators.All(s => s.OperatorName == "stateStoreSave"), "two aggregation stages"),
            StopStream,
            // After the restart each side's state and the watermark (12) are back: 4 is late, [10,15) keeps the 12s.
            StartStream(),
            AddData(left, [4L, 13, 14], right, [20L]),
            AddData(left, [30L], right, [30L]),
            CheckAnswer("0-5:3", "5-10:2", "10-15:3", "10-15:1", "20-25:1"));
    }

    [Fact]
    public async Task UnionOfTwoAggregations_InUpdateMode_IsRefusedAsInSpark()
    {
        var left = Session.CreateMemoryStream<long>();
        var right = Session.CreateMemoryStream<long>();
        var counts = left.ToDF().GroupBy("value").Count().Union(right.ToDF().GroupBy("value").Count());
        var error = await Assert.ThrowsAnyAsync<Exception>(() =>
            counts.WriteStream.OutputMode(OutputMode.Update).Format("memory").QueryName("refused_" + Guid.NewGuid().ToString("N")).StartAsync());
        Assert.Contains("Multiple streaming aggregations are not supported with streaming DataFrames/Datasets", error.Message);
    }

    [Fact]
    public async Task DropDuplicatesOnEachSide_ThenUnion_InUpdateMode_RemembersEachSidesKeysAcrossARestart()
    {
        var left = Session.CreateMemoryStream<(string, int)>();
        var right = Session.CreateMemoryStream<(string, int)>();
        await Session.TestStream(left.ToDF().DropDuplicates("_1").Union(right.ToDF().DropDuplicates("_1")), OutputMode.Update).Run(
            AddData(left, [("a", 1), ("a", 2), ("b", 3)], right, [("a", 4), ("c", 5)]),
            CheckAnswer("a:1", "a:4", "b:3", "c:5"),
            AssertOnQuery(q => q.LastProgress!.StateOperators.Select(s => s.NumRowsTotal).SequenceEqual([2L, 2L]), "each side keeps its own keys"),
            StopStream,
            StartStream(),
            AddData(left, [("a", 9), ("d", 6)], right, [("c", 7), ("b", 8)]),
            CheckAnswer("a:1", "a:4", "b:3", "b:8", "c:5", "d:6"));
    }

    [Fact]
    public async Task UnionOfAStatefulAndAStatelessBranch_WritesBothToTheSinkInOneEpoch()
    {
        var left = Session.CreateMemoryStream<(string, int)>();
        var right = Session.CreateMemoryStream<(string, int)>();
        await Session.TestStream(left.ToDF().DropDuplicates("_1").Union(right.ToDF()), OutputMode.Append).Run(
            AddData(left, [("a", 1), ("a", 2)], right, [("a", 7), ("a", 7)]),
            CheckAnswer("a:1", "a:7", "a:7"),
            AssertOnQuery(q => q.LastProgress!.Sink.NumOutputRows == 3, "the sink's rows come from both branches"),
            AddData(left, [("a", 3), ("b", 4)], right, [("z", 0)]),
            CheckAnswer("a:1", "a:7", "a:7", "b:4", "z:0"));
    }

    [Fact]
    public async Task DeduplicationsUnionedIntoAnAggregation_CountEachSidesFirstRows()
    {
        var left = Session.CreateMemoryStream<(string, int)>();
        var right = Session.CreateMemoryStream<(string, int)>();
        var union = left.ToDF().DropDuplicates("_1").Union(right.ToDF().DropDuplicates("_1"));
        // Complete mode: the answer does not depend on whether the two streams' rows of one AddData share an epoch (the
        // trigger asks each memory stream for its offset in turn, so a step's rows may land in two epochs).
        await Session.TestStream(union.GroupBy("_1").Agg(Count().As("n"), Sum("_2").As("total")), OutputMode.Complete).Run(
            AddData(left, [("a", 1), ("a", 2), ("b", 3)], right, [("a", 4)]),
            CheckAnswer("a:2:5", "b:1:3"),
            AddData(left, [("b", 9)], right, [("b", 10), ("a", 11)]),
            CheckAnswer("a:2:5", "b:2:13"));
    }
}

[Collection(SessionCollection.Name)]
public sealed class UnionOfStatefulBranchesOnFileSystem(SessionFixture fixture) : UnionOfStatefulBranchesTests(fixture);

[Collection(BlobSessionCollection.Name)]
public sealed class UnionOfStatefulBranchesOnAzureBlob(BlobSessionFixture fixture) : UnionOfStatefulBranchesTests(fixture);
