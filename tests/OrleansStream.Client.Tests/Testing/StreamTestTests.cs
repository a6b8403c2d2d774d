using Microsoft.Extensions.Time.Testing;
using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;
using static OrleansStream.Testing.StreamSteps;

namespace OrleansStream.Client.Tests.Testing;

/// <summary>The StreamTest step language itself: each step's meaning, and the report of a failing step.</summary>
[Collection(SessionCollection.Name)]
public sealed class StreamTestTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    [Fact]
    public async Task CheckNewAnswer_SeesTheRowsSinceTheLastCheck_AcrossARestartFromTheSameCheckpoint()
    {
        var input = Session.CreateMemoryStream<int>();
        await Session.TestStream(input.ToDF().Where(Col("value") % 2 == 0), OutputMode.Append).Run(
            AddData(input, 1, 2, 3, 4),
            CheckNewAnswer("2", "4"),
            AddData(input, 6),
            CheckNewAnswer("6"),
            StopStream,
            AddData(input, 8, 9),
            StartStream(),
            CheckNewAnswer([8]),
            CheckAnswer("2", "4", "6", "8"),
            CheckNewAnswer(),
            AssertOnQuery(q => q.LastProgress!.BatchId == 2, "three epochs over two runs"));
    }

    [Fact]
    public async Task CheckAnswer_InCompleteMode_IsTheLatestTable_AndRowsMayBeGivenAsValues()
    {
        var input = Session.CreateMemoryStream<string>();
        await Session.TestStream(input.ToDF().GroupBy("value").Count(), OutputMode.Complete).Run(
            AddData(input, "a", "b", "a"),
            CheckAnswer(["a", 2L], ["b", 1L]),
            AddData(input, "b"),
            CheckNewAnswer("a:2", "b:2"));
    }

    [Fact]
    public async Task AFailingCheck_ReportsTheStep_TheRows_AndTheLastProgress()
    {
        var input = Session.CreateMemoryStream<int>();
        var failure = await Assert.ThrowsAsync<StreamTestFailure>(() => Session.TestStream(input.ToDF(), OutputMode.Append).Run(
            AddData(input, 1, 2),
            CheckAnswer("1", "2"),
            AddData(input, 3),
            CheckAnswer("1", "2", "4"),
            StopStream));

        var report = failure.Message;
        Assert.StartsWith("StreamTest failed at step 4: CheckAnswer(1, 2, 4)\nThe result table differs from the expected rows.", report);
        Assert.Contains("== Expected (3 rows) ==\n  1\n  2\n! 4\n", report);
        Assert.Contains("== Actual (3 rows) ==\n  1\n  2\n! 3\n", report);
        Assert.Contains("=> 4: CheckAnswer(1, 2, 4)\n", report);
        Assert.Contains("   0: StartStream() (before the first step)\n", report);
        Assert.Contains("   5: StopStream\n", report);
        Assert.Contains("Output mode: Append", report);
        Assert.Contains("== Last progress ==\n{", report);
        Assert.Contains("\"batchId\":1,", report);
    }

    [Fact]
    public async Task ExpectFailure_PassesOnTheQuerysError_AndFailsWhenItRunsOn()
    {
        var folder = fixture.Data.Sub("stream-test-failfast-" + Guid.NewGuid().ToString("N")[..8]);
        TempDirectory.WriteFile(folder, "bad.json", "{\"a\": 1}\n{not json\n");
        var events = Session.ReadStream.Format("json").Schema("a INT").Option("mode", "FAILFAST").Load(folder);
        await Session.TestStream(events, OutputMode.Append).Run(ExpectFailure<StreamingQueryException>("Malformed record"));

        var input = Session.CreateMemoryStream<int>();
        var failure = await Assert.ThrowsAsync<StreamTestFailure>(() => Session.TestStream(input.ToDF(), OutputMode.Append,
            new StreamTestOptions { StepTimeout = TimeSpan.FromSeconds(2) }).Run(AddData(input, 1), ExpectFailure("anything")));
        Assert.Contains("The query did not terminate within 2 s.", failure.Message);
    }

    [Fact]
    public async Task AdvanceClock_DrivesAProcessingTimeTrigger()
    {
        using var dir = new TempDirectory();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path, TimeProvider = clock });
        var input = session.CreateMemoryStream<int>();
        // Row 1 may land in the round at start (t = 0) or at the 10 s tick, depending on when the query's first round runs;
        // either way the trigger's next tick is at 20 s, and only the clock gets it there.
        await session.TestStream(input.ToDF(), OutputMode.Append,
            new StreamTestOptions { Trigger = Trigger.ProcessingTime("10 seconds"), Clock = clock }).Run(
            AddData(input, 1),
            AdvanceClock(TimeSpan.FromSeconds(10)),
            CheckNewAnswer("1"),
            AddData(input, 2),
            AdvanceClock(TimeSpan.FromSeconds(10)),
            CheckNewAnswer("2"),
            AssertOnQuery(q => q.LastProgress is { BatchId: 1, Timestamp: "2026-01-01T00:00:20.000Z" }, "epoch 1 ran at the 20 s tick"));
    }
}
