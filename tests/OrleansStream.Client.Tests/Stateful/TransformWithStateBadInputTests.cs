using Microsoft.Extensions.Time.Testing;
using OrleansStream.Client.Tests.Infrastructure;
using OrleansStream.Testing;
using static OrleansStream.Client.Functions;
using static OrleansStream.Testing.StreamSteps;

namespace OrleansStream.Client.Tests.Stateful;

/// <summary>
/// Bad user code and bad state under transformWithState: a handler that throws fails the query naming the handler, the
/// processor type and the key (Spark's TRANSFORM_WITH_STATE_USER_FUNCTION_ERROR), commits nothing of the failed epoch, and
/// the query resumes from its checkpoint once the code is fixed with every output row exactly once; a state value that
/// does not decode names its variable and type; a timer registered in the past fires (Spark's timing).
/// </summary>
[Collection(SessionCollection.Name)]
public sealed class TransformWithStateBadInputTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    /// <summary>A running count that throws for key "bad" until <see cref="Fixed"/> (a redeployed, fixed version of the code).</summary>
    public sealed class CountFailingOnBad : StatefulProcessor
    {
        public static volatile bool Fixed;
        private IValueState<long> _count = null!;

        public override void Init(StatefulProcessorHandle handle) => _count = handle.GetValueState<long>("countState");

        public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
        {
            if (key[0] is "bad" && !Fixed) throw new InvalidOperationException("dummy unclassified error");
            var count = _count.Get() + rows.Count();
            _count.Update(count);
            yield return new Row([key[0], count], ["key", "count"]);
        }
    }

    /// <summary>Keeps "countState" as a string (an earlier version of a processor).</summary>
    public sealed class CountAsText : StatefulProcessor
    {
        private IValueState<string> _count = null!;

        public override void Init(StatefulProcessorHandle handle) => _count = handle.GetValueState<string>("countState");

        public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
        {
            _count.Update("many");
            return [new Row([key[0], 0L], ["key", "count"])];
        }
    }

    /// <summary>Reads "countState" as a number (a later version that changed the variable's type).</summary>
    public sealed class CountAsNumber : StatefulProcessor
    {
        private IValueState<long> _count = null!;

        public override void Init(StatefulProcessorHandle handle) => _count = handle.GetValueState<long>("countState");

        public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues) =>
            [new Row([key[0], _count.Get() + 1], ["key", "count"])];
    }

    /// <summary>Registers a timer 1 s before the batch timestamp of its input; that timer registers one more, 500 ms in the
    /// past. Each firing says whether it came in the epoch that registered it.</summary>
    public sealed class PastTimers : StatefulProcessor
    {
        private StatefulProcessorHandle _handle = null!;
        private IValueState<long> _registeredAt = null!;

        public override void Init(StatefulProcessorHandle handle)
        {
            _handle = handle;
            _registeredAt = handle.GetValueState<long>("registeredAt");
        }

        public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
        {
            _handle.RegisterTimer(timerValues.GetCurrentProcessingTimeInMs() - 1000);
            _registeredAt.Update(timerValues.GetCurrentProcessingTimeInMs());
            return [new Row([key[0], "input"], ["key", "event"])];
        }

        public override IEnumerable<Row> HandleExpiredTimer(Row key, TimerValues timerValues, ExpiredTimerInfo expiredTimerInfo)
        {
            var now = timerValues.GetCurrentProcessingTimeInMs();
            var registeredAt = _registeredAt.Get();
            var first = expiredTimerInfo.GetExpiryTimeInMs() == registeredAt - 1000;
            if (first)
            {
                _handle.RegisterTimer(now - 500);
                _registeredAt.Update(now);
            }
            var when = now == registeredAt ? "the epoch that registered it" : now > registeredAt ? "a later epoch" : "an earlier epoch";
            return [new Row([key[0], $"{(first ? "first" : "second")} timer in {when}"], ["key", "event"])];
        }
    }

    private static DataFrame Keyed(MemoryStream<string> input) => input.ToDF().Select(Col("value").As("key"));

    // TransformWithStateSuite "check that unclassified error is thrown from handleInputRows", with the processor and key
    // named; then the same checkpoint with the fixed code: nothing of the failed epoch was committed, every row comes once.
    [Fact]
    public async Task ThrowingUserCode_FailsNamingProcessorAndKey_AndTheFixedCodeResumesExactlyOnce()
    {
        CountFailingOnBad.Fixed = false;
        var input = Session.CreateMemoryStream<string>();
        var result = Keyed(input).GroupBy("key").TransformWithState(new CountFailingOnBad(), "key STRING, count BIGINT", OutputMode.Update, TimeMode.None);
        var checkpoint = "tws-bad-code-" + Guid.NewGuid().ToString("N")[..8];
        await Session.TestStream(result, OutputMode.Update, new StreamTestOptions { CheckpointLocation = checkpoint }).Run(
            AddData(input, "a", "b"),
            CheckNewAnswer("a:1", "b:1"),
            AddData(input, "a", "bad", "c"),
            ExpectFailure("[TRANSFORM_WITH_STATE_USER_FUNCTION_ERROR] An error occurred in the user-defined function handleInputRows of the StatefulProcessor "
                + typeof(CountFailingOnBad).FullName + " on key (bad). Reason: InvalidOperationException: dummy unclassified error"),
            CheckAnswer("a:1", "b:1"), // nothing of the failed epoch reached the sink
            Execute(_ =>
            {
                CountFailingOnBad.Fixed = true;
                return Task.CompletedTask;
            }, "deploy the fixed code"),
            StartStream(),
            CheckAnswer("a:1", "b:1", "a:2", "bad:1", "c:1"), // the failed epoch ran again, once, on the committed state
            AddData(input, "a", "bad"),
            CheckAnswer("a:1", "b:1", "a:2", "bad:1", "c:1", "a:3", "bad:2"));
    }

    // Exceptions from a timer handler are named the same way.
    [Fact]
    public async Task ThrowingTimerHandler_FailsNamingTheHandler()
    {
        var input = Session.CreateMemoryStream<string>();
        var result = Keyed(input).GroupBy("key").TransformWithState(new ThrowingTimer(), "key STRING", OutputMode.Update, TimeMode.ProcessingTime);
        await Session.TestStream(result, OutputMode.Update).Run(
            AddData(input, "k"),
            ExpectFailure("An error occurred in the user-defined function handleExpiredTimer of the StatefulProcessor " + typeof(ThrowingTimer).FullName + " on key (k). Reason: TimeoutException: timer broke"));
    }

    /// <summary>Registers a timer in the past, whose handler throws.</summary>
    public sealed class ThrowingTimer : StatefulProcessor
    {
        private StatefulProcessorHandle _handle = null!;

        public override void Init(StatefulProcessorHandle handle) => _handle = handle;

        public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
        {
            _handle.RegisterTimer(0);
            return [];
        }

        public override IEnumerable<Row> HandleExpiredTimer(Row key, TimerValues timerValues, ExpiredTimerInfo expiredTimerInfo) => throw new TimeoutException("timer broke");
    }

    // A state variable whose stored values were written as another type: the error names the variable and the type.
    [Fact]
    public async Task StateThatDoesNotDecode_NamesTheVariableAndItsType()
    {
        var input = Session.CreateMemoryStream<string>();
        var rows = Keyed(input).GroupBy("key");
        var checkpoint = "tws-bad-state-" + Guid.NewGuid().ToString("N")[..8];
        await Session.TestStream(rows.TransformWithState(new CountAsText(), "key STRING, count BIGINT", OutputMode.Update, TimeMode.None),
            OutputMode.Update, new StreamTestOptions { CheckpointLocation = checkpoint }).Run(
            AddData(input, "a"),
            CheckNewAnswer("a:0"),
            StopStream);
        await Session.TestStream(rows.TransformWithState(new CountAsNumber(), "key STRING, count BIGINT", OutputMode.Update, TimeMode.None),
            OutputMode.Update, new StreamTestOptions { CheckpointLocation = checkpoint }).Run(
            AddData(input, "a"),
            ExpectFailure("The state variable 'countState' holds a value that cannot be decoded as System.Int64"));
    }

    // Spark processes the timers after the epoch's input: a timer registered in the past while handling input fires in the
    // same epoch; one registered in the past by a timer handler fires in the next epoch, which runs without new data.
    [Fact]
    public async Task TimersInThePast_FireInTheSameEpochFromInput_AndInTheNextFromATimer()
    {
        using var dir = new TempDirectory();
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path, TimeProvider = clock });
        var input = session.CreateMemoryStream<string>();
        var result = Keyed(input).GroupBy("key").TransformWithState(new PastTimers(), "key STRING, event STRING", OutputMode.Update, TimeMode.ProcessingTime);
        await session.TestStream(result, OutputMode.Update, new StreamTestOptions { Clock = clock }).Run(
            StartStream(Trigger.ProcessingTime("1 second")),
            AddData(input, "a"),
            AdvanceClock(TimeSpan.FromSeconds(1)),
            AdvanceClock(TimeSpan.FromSeconds(1)), // the second timer is due at the next trigger, whenever the first epoch ran
            CheckNewAnswer("a:input", "a:first timer in the epoch that registered it", "a:second timer in a later epoch"),
            AdvanceClock(TimeSpan.FromSeconds(1)),
            CheckNewAnswer()); // each fired once
    }
}
