using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;
using static OrleansStream.Testing.StreamSteps;

namespace OrleansStream.Client.Tests.Stateful;

/// <summary>Watermarks across inputs and restarts, and the state checkpoint they bound.</summary>
public abstract class WatermarkTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    private static DataFrame Timed(MemoryStream<long> input) =>
        input.ToDF().WithColumn("eventTime", Col("value").Cast("timestamp")).WithWatermark("eventTime", "0 seconds");

    [Theory]
    [InlineData("min", "", "", "20-25:1 5-10:1")]
    [InlineData("max", "5-10:1", "20-25:1 5-10:1", "20-25:1 5-10:1")]
    public async Task TwoInputs_CombineTheirWatermarksByThePolicy(string policy, string afterBoth, string afterFast, string afterSlow)
    {
        var fast = Session.CreateMemoryStream<long>();
        var slow = Session.CreateMemoryStream<long>();
        var name = "two_watermarks_" + policy;
        var query = await Timed(fast).Union(Timed(slow))
            .GroupBy(Window(Col("eventTime"), "5 seconds")).Count()
            .WriteStream.OutputMode(OutputMode.Append).Option("multipleWatermarkPolicy", policy).Format("memory").QueryName(name).StartAsync();

        string[] Expected(string rows) => rows.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fast sees 20, slow sees 5: min = 5 (nothing final); max = 20 ([5,10) final)
        await Session.AddDataAsync(fast.Rows(20), slow.Rows(5));
        await query.ProcessAllAvailableAsync();
        Assert.Equal(Expected(afterBoth), Scenario.Windows(await Session.Table(name).CollectAsync()));
        // fast moves to 40: min stays 5 (nothing final); max is 40 ([20,25) final too)
        await fast.AddDataAsync(40);
        await query.ProcessAllAvailableAsync();
        Assert.Equal(Expected(afterFast), Scenario.Windows(await Session.Table(name).CollectAsync()));
        // slow catches up to 40: min is 40 too
        await slow.AddDataAsync(40);
        await query.ProcessAllAvailableAsync();
        Assert.Equal(Expected(afterSlow), Scenario.Windows(await Session.Table(name).CollectAsync()));
        await query.StopAsync();
    }

    [Fact]
    public async Task TheWatermarkAndOpenWindowsSurviveARestart()
    {
        var input = Session.CreateMemoryStream<long>();
        var windows = input.ToDF().WithColumn("eventTime", Col("value").Cast("timestamp")).WithWatermark("eventTime", "10 seconds")
            .GroupBy(Window(Col("eventTime"), "5 seconds")).Count();
        await Session.TestStream(windows, OutputMode.Append, new StreamTestOptions { Render = rows => Scenario.Windows(rows) }).Run(
            AddData(input, 10, 11, 12, 13, 14, 15),
            AddData(input, 25),
            CheckAnswer("10-15:5"),
            StopStream,
            // After the restart the watermark is still 15: 12 is late; [15,20) still holds its row and gains 16.
            StartStream(),
            AddData(input, 12, 16, 40),
            CheckAnswer("10-15:5", "15-20:2", "25-30:1"));
    }

    [Fact]
    public async Task StateCheckpoint_IsADeltaOfTheChangedKeys_WithPeriodicSnapshotsWrittenInTheBackground()
    {
        var input = Session.CreateMemoryStream<long>();
        var checkpoint = "snapshots-" + Guid.NewGuid().ToString("N");
        var counts = input.ToDF().GroupBy("value").Count();
        async Task<StreamingQuery> Start() => await counts.WriteStream.OutputMode(OutputMode.Update).Format("memory").QueryName("snapshots")
            .Option("checkpointLocation", checkpoint).Option("numStatePartitions", "2").StartAsync();
        StateOperatorProgress State(StreamingQuery q) => q.LastProgress!.StateOperators[0];

        var query = await Start();
        await input.AddDataAsync(Enumerable.Range(0, 5000).Select(i => (long)i).ToArray());
        await query.ProcessAllAvailableAsync();
        var full = State(query).CustomMetrics["stateBytesWritten"];
        // Epochs 1..10 change 50 keys (1%) each and write only that delta. In epoch 9, the tenth version, a snapshot of
        // every key falls due: it is taken after that epoch, written in the background and counted with epoch 10.
        var written = new List<long>();
        var snapshots = new List<long>();
        for (var e = 1; e <= 10; e++)
        {
            await input.AddDataAsync(Enumerable.Range(0, 50).Select(i => (long)(e * 100 + i)).ToArray());
            await query.ProcessAllAvailableAsync();
            written.Add(State(query).CustomMetrics["stateBytesWritten"]);
            snapshots.Add(State(query).CustomMetrics["snapshotsWritten"]);
            Assert.Equal(5000, State(query).NumRowsTotal);
        }
        Assert.All(written.Take(9), bytes => Assert.InRange(bytes, 1, full / 10));
        Assert.InRange(written[9], full / 2, full * 2);
        Assert.Equal([0, 0, 0, 0, 0, 0, 0, 0, 0, 2], snapshots);
        await query.StopAsync();

        // Restarted from the snapshot and the deltas after it, the counts go on from where they were.
        query = await Start();
        await input.AddDataAsync(0, 100, 4999);
        await query.ProcessAllAvailableAsync();
        var last = (await Session.Table("snapshots").CollectAsync()).GroupBy(r => r.Get<long>("value")).ToDictionary(g => g.Key, g => g.Max(r => r.Get<long>("count")));
        Assert.Equal(2, last[0]);
        Assert.Equal(3, last[100]); // in the first epoch, in epoch 1 and now
        Assert.Equal(2, last[4999]);
        await query.StopAsync();
    }
}

[Collection(SessionCollection.Name)]
public sealed class WatermarkOnFileSystem(SessionFixture fixture) : WatermarkTests(fixture);

[Collection(BlobSessionCollection.Name)]
public sealed class WatermarkOnAzureBlob(BlobSessionFixture fixture) : WatermarkTests(fixture);
