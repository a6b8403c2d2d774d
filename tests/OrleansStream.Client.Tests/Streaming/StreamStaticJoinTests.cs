using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;
using static OrleansStream.Testing.StreamSteps;

namespace OrleansStream.Client.Tests.Streaming;

/// <summary>
/// Stream-static joins end to end: the static side (local rows, a file folder, a memory table) is read whole by every epoch,
/// as Spark evaluates a batch DataFrame again for each micro-batch, at the version the epoch wrote ahead.
/// </summary>
[Collection(SessionCollection.Name)]
public sealed class StreamStaticJoinTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    // Spark's StreamSuite "join": a stream joined with a small table, its expected rows ported.
    [Fact]
    public async Task StreamJoinedWithLocalRows_MatchesEveryEpochAgainstTheWholeTable()
    {
        var smallTable = Session.CreateDataFrame([[1, "one"], [2, "two"], [4, "four"]], "number INT, word STRING");
        var input = Session.CreateMemoryStream<int>();
        var joined = input.ToDF().Join(smallTable, Col("value") == Col("number"));

        await Session.TestStream(joined, OutputMode.Append).Run(
            AddData(input, 1, 2, 3),
            CheckAnswer([1, 1, "one"], [2, 2, "two"]),
            AddData(input, 4),
            CheckAnswer([1, 1, "one"], [2, 2, "two"], [4, 4, "four"]));
    }

    [Fact]
    public async Task StaticFolder_AFileAddedBetweenEpochs_IsJoinedFromTheNextEpochOn_AcrossARestart()
    {
        using var dir = new TempDirectory();
        var folder = dir.Sub("words");
        TempDirectory.WriteFile(folder, "a.json", "{\"number\":1,\"word\":\"one\"}\n{\"number\":2,\"word\":\"two\"}\n");
        var words = Session.Read.Format("json").Schema("number INT, word STRING").Load(folder);
        var input = Session.CreateMemoryStream<int>();
        var joined = input.ToDF().Join(words, Col("value") == Col("number")).Select(Col("value"), Col("word"));

        await Session.TestStream(joined, OutputMode.Append).Run(
            AddData(input, 1, 3),
            CheckNewAnswer([1, "one"]),
            // Spark counts the streaming rows only: the static side read again each epoch is not input.
            AssertOnQuery(q => q.LastProgress!.NumInputRows == 2, "numInputRows counts the stream's two rows"),
            Execute(_ => { TempDirectory.WriteFile(folder, "b.json", "{\"number\":3,\"word\":\"three\"}\n"); return Task.CompletedTask; }, "add b.json"),
            // The new file alone runs no epoch; the next stream rows meet it.
            AddData(input, 3, 2),
            CheckNewAnswer([3, "three"], [2, "two"]),
            AssertOnQuery(q => q.LastProgress!.BatchId == 1, "the new file ran no epoch of its own"),
            StopStream,
            Execute(_ => { TempDirectory.WriteFile(folder, "c.json", "{\"number\":5,\"word\":\"five\"}\n"); return Task.CompletedTask; }, "add c.json"),
            StartStream(),
            AddData(input, 5, 1),
            CheckNewAnswer([5, "five"], [1, "one"]));
    }

    [Fact]
    public async Task LeftOuterJoinWithAMemoryTable_ReadsTheTableAsItIsAtEachEpoch()
    {
        var names = Session.CreateMemoryStream<(int, string)>();
        var table = await names.ToDF().ToDF("id", "name").WriteStream.Format("memory").QueryName("static_names").StartAsync();
        await names.AddDataAsync((1, "ann"));
        await table.ProcessAllAvailableAsync();

        var input = Session.CreateMemoryStream<int>();
        var joined = input.ToDF().Join(Session.Table("static_names"), Col("value") == Col("id"), "left_outer").Select(Col("value"), Col("name"));
        await Session.TestStream(joined, OutputMode.Append).Run(
            AddData(input, 1, 2),
            CheckNewAnswer([1, "ann"], [2, null]),
            Execute(async _ =>
            {
                await names.AddDataAsync((2, "ben"));
                await table.ProcessAllAvailableAsync();
            }, "add ben to the table"),
            AddData(input, 2),
            CheckNewAnswer([2, "ben"]));
        await table.StopAsync();
    }

    // The static side may be any batch DataFrame: an aggregation of it is computed afresh for every epoch (Spark evaluates
    // the batch DataFrame again each micro-batch), not kept as streaming state that would count the same rows once per
    // epoch, and a stream joined with it runs in Append mode with no watermark.
    [Fact]
    public async Task StaticSideAggregation_IsComputedAfreshEachEpoch_FromTheFilesOfThatEpoch()
    {
        using var dir = new TempDirectory();
        var folder = dir.Sub("orders");
        TempDirectory.WriteFile(folder, "a.json", "{\"customer\":1}\n{\"customer\":1}\n{\"customer\":2}\n");
        var orders = Session.Read.Format("json").Schema("customer INT").Load(folder).GroupBy("customer").Count();
        var input = Session.CreateMemoryStream<int>();
        var joined = input.ToDF().Join(orders, Col("value") == Col("customer")).Select(Col("value"), Col("count"));

        await Session.TestStream(joined, OutputMode.Append).Run(
            AddData(input, 1, 2),
            CheckNewAnswer([1, 2L], [2, 1L]),
            AddData(input, 1),
            CheckNewAnswer([1, 2L]),
            Execute(_ => { TempDirectory.WriteFile(folder, "b.json", "{\"customer\":1}\n"); return Task.CompletedTask; }, "add b.json"),
            AddData(input, 1),
            CheckNewAnswer([1, 3L]));
    }

    // The aggregated static side under an alias and referenced through its DataFrame: both still name its columns once it
    // runs as a batch query of its own.
    [Fact]
    public async Task StaticSideAggregation_UnderAnAliasOrByItsDataFrame_StillResolves()
    {
        var counts = Session.CreateDataFrame([[1], [1], [2]], "customer INT").GroupBy("customer").Count();
        Func<DataFrame, DataFrame>[] joins =
        [
            stream => stream.Join(counts.As("o"), Col("value") == Col("o.customer")).Select(Col("value"), Col("o.count")),
            stream => stream.Join(counts, Col("value") == counts.Col("customer")).Select(Col("value"), counts.Col("count")),
        ];
        foreach (var join in joins)
        {
            var input = Session.CreateMemoryStream<int>();
            await Session.TestStream(join(input.ToDF()), OutputMode.Append).Run(
                AddData(input, 1, 3),
                CheckNewAnswer([1, 2L]),
                AddData(input, 2),
                CheckNewAnswer([2, 1L]));
        }
    }

    // Spark gives the whole micro-batch one timestamp: current_timestamp() in an aggregated static side is the epoch's.
    [Fact]
    public async Task StaticSideAggregation_ReadsTheEpochsTimestamp()
    {
        var stamped = Session.CreateDataFrame([[1], [1]], "customer INT").GroupBy("customer").Count()
            .WithColumn("asOf", CurrentTimestamp());
        var input = Session.CreateMemoryStream<int>();
        var joined = input.ToDF().WithColumn("now", CurrentTimestamp()).Join(stamped, Col("value") == Col("customer"))
            .Select(Col("value"), (Col("asOf") == Col("now")).As("sameTime"));

        await Session.TestStream(joined, OutputMode.Append).Run(
            AddData(input, 1),
            CheckNewAnswer([1, true]),
            AddData(input, 1),
            CheckNewAnswer([1, true]));
    }
}
