using Microsoft.Extensions.Time.Testing;
using OrleansStream.Client.Tests.Infrastructure;
using OrleansStream.Testing;
using static OrleansStream.Client.Functions;
using static OrleansStream.Testing.StreamSteps;

namespace OrleansStream.Client.Tests.Stateful;

/// <summary>
/// Spark's TransformWithStateInitialStateSuite, its expected rows ported: an initial-state batch DataFrame seeds value, list
/// and map state (and timers) of its keys in the first epoch only; two rows of one key fail the query in Spark's words.
/// </summary>
[Collection(SessionCollection.Name)]
public sealed class SparkTransformWithStateInitialStateSuiteTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    private const string Output = "key STRING, action STRING, value DOUBLE";

    /// <summary>Spark's StatefulProcessorWithInitialStateTestClass: actions on value, list and map state of doubles.</summary>
    public class InitialStateActions : StatefulProcessor
    {
        protected IValueState<double> Value { get; private set; } = null!;
        protected IListState<double> List { get; private set; } = null!;
        protected IMapState<double, int> Map { get; private set; } = null!;

        public override void Init(StatefulProcessorHandle handle)
        {
            Value = handle.GetValueState<double>("testValueInit");
            List = handle.GetListState<double>("testListInit");
            Map = handle.GetMapState<double, int>("testMapInit");
        }

        // Spark's InitialStateInMemoryTestClass: the initial row is (key, value, list entry, map key, map count).
        public override void HandleInitialState(Row key, Row initialState, TimerValues timerValues)
        {
            Value.Update(initialState.Get<double>(1));
            List.AppendList([initialState.Get<double>(2)]);
            Map.UpdateValue(initialState.Get<double>(3), initialState.Get<int>(4));
        }

        public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
        {
            var output = new List<Row>();
            foreach (var row in rows)
            {
                var value = row.Get<double>(2);
                int Count() => Map.ContainsKey(value) ? Map.GetValue(value) : 0;
                switch (row[1])
                {
                    case "getOption": output.Add(Out(key, "getOption", Value.Exists() ? Value.Get() : -1.0)); break;
                    case "update": Value.Update(value); break;
                    case "remove": Value.Clear(); break;
                    case "getList": output.AddRange(List.Get().Select(e => Out(key, "getList", e))); break;
                    case "appendList": List.AppendValue(value); break;
                    case "clearList": List.Clear(); break;
                    case "getCount": output.Add(Out(key, "getCount", Count())); break;
                    case "incCount": Map.UpdateValue(value, Count() + 1); break;
                    case "clearCount": Map.RemoveKey(value); break;
                }
            }
            return output;
        }

        protected static Row Out(Row key, string action, double value) => new([key[0], action, value], ["key", "action", "value"]);
    }

    /// <summary>Spark's AccumulateStatefulProcessorWithInitState: the initial state sets the sum, "add" adds to it.</summary>
    public sealed class Accumulate : InitialStateActions
    {
        public override void HandleInitialState(Row key, Row initialState, TimerValues timerValues) => Value.Update(initialState.Get<double>(1));

        public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
        {
            var output = new List<Row>();
            foreach (var row in rows)
            {
                switch (row[1])
                {
                    case "getOption": output.Add(Out(key, "getOption", Value.Exists() ? Value.Get() : 0.0)); break;
                    case "add": Value.Update((Value.Exists() ? Value.Get() : 0.0) + row.Get<double>(2)); break;
                    case "remove": Value.Clear(); break;
                }
            }
            return output;
        }
    }

    /// <summary>Spark's StatefulProcessorWithInitialStateProcTimerClass: a count per key; "a" gets a processing-time timer
    /// 5 s after its first row (or initial state), moved to 7.5 s after its second; the timer emits -1.</summary>
    public sealed class CountWithProcessingTimer : StatefulProcessor
    {
        private IValueState<long> _count = null!;
        private IValueState<long> _timer = null!;
        private StatefulProcessorHandle _handle = null!;

        public override void Init(StatefulProcessorHandle handle)
        {
            _handle = handle;
            _count = handle.GetValueState<long>("countState");
            _timer = handle.GetValueState<long>("timerState");
        }

        private void Process(Row key, long current, long count, TimerValues timerValues)
        {
            _count.Update(count);
            if (key[0] is not "a") return;
            if (current == 0)
            {
                _handle.RegisterTimer(timerValues.GetCurrentProcessingTimeInMs() + 5000);
                _timer.Update(timerValues.GetCurrentProcessingTimeInMs() + 5000);
            }
            else if (current == 1)
            {
                _handle.DeleteTimer(_timer.Get());
                _handle.RegisterTimer(timerValues.GetCurrentProcessingTimeInMs() + 7500);
                _timer.Update(timerValues.GetCurrentProcessingTimeInMs() + 7500);
            }
        }

        public override void HandleInitialState(Row key, Row initialState, TimerValues timerValues) => Process(key, 0, 1, timerValues);

        public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
        {
            var current = _count.Get();
            var count = current + rows.Count();
            Process(key, current, count, timerValues);
            return [new Row([key[0], count.ToString(System.Globalization.CultureInfo.InvariantCulture)], ["key", "count"])];
        }

        public override IEnumerable<Row> HandleExpiredTimer(Row key, TimerValues timerValues, ExpiredTimerInfo expiredTimerInfo)
        {
            _timer.Clear();
            return [new Row([key[0], "-1"], ["key", "count"])];
        }
    }

    /// <summary>Spark's StatefulProcessorWithInitialStateEventTimerClass: the max event time (s) per key, and an event-time
    /// timer 5 s after it (from the initial state too) that emits -1.</summary>
    public sealed class MaxEventTimeWithInitialState : StatefulProcessor
    {
        private IValueState<long> _max = null!;
        private IValueState<long> _timer = null!;
        private StatefulProcessorHandle _handle = null!;

        public override void Init(StatefulProcessorHandle handle)
        {
            _handle = handle;
            _max = handle.GetValueState<long>("maxEventTimeState");
            _timer = handle.GetValueState<long>("timerState");
        }

        private void Process(long maxSeconds)
        {
            var timeoutMs = (maxSeconds + 5) * 1000;
            _max.Update(maxSeconds);
            var registered = _timer.Exists() ? _timer.Get() : 0L;
            if (registered < timeoutMs)
            {
                _handle.DeleteTimer(registered);
                _handle.RegisterTimer(timeoutMs);
                _timer.Update(timeoutMs);
            }
        }

        public override void HandleInitialState(Row key, Row initialState, TimerValues timerValues) =>
            Process(Math.Max(initialState.Get<long>(1), _max.Exists() ? _max.Get() : 0L));

        public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
        {
            var max = Math.Max(rows.Max(r => (long)((r.Get<DateTime>(1) - DateTime.UnixEpoch).TotalSeconds)), _max.Exists() ? _max.Get() : 0L);
            Process(max);
            return [new Row([key[0], (int)max], ["key", "maxEventTime"])];
        }

        public override IEnumerable<Row> HandleExpiredTimer(Row key, TimerValues timerValues, ExpiredTimerInfo expiredTimerInfo)
        {
            _max.Clear();
            return [new Row([key[0], -1], ["key", "maxEventTime"])];
        }
    }

    private MemoryStream<(string, string, double)> ActionStream() => Session.CreateMemoryStream<(string, string, double)>();

    private static GroupedData Actions(MemoryStream<(string, string, double)> input) =>
        input.ToDF().Select(Col("_1").As("key"), Col("_2").As("action"), Col("_3").As("value")).GroupBy("key");

    // createInitialDfForTest: ("init_1", 40.0), ("init_2", 100.0).
    private GroupedData InitialSums(params object?[][] rows) =>
        Session.CreateDataFrame(rows.Length > 0 ? rows : [["init_1", 40.0], ["init_2", 100.0]], "key STRING, value DOUBLE").GroupBy("key");

    // "correctness test, run with multiple state variables - in-memory type".
    [Fact]
    public async Task InitialState_SeedsValueListAndMapState()
    {
        var input = ActionStream();
        var initial = Session.CreateDataFrame([["init_1", 40.0, 40.0, 40.0, 1], ["init_2", 100.0, 100.0, 100.0, 1]],
            "key STRING, value DOUBLE, entry DOUBLE, mapKey DOUBLE, mapCount INT").GroupBy("key");
        var result = Actions(input).TransformWithState(new InitialStateActions(), Output, OutputMode.Append, TimeMode.None, initial);
        await Session.TestStream(result, OutputMode.Update).Run(
            // a key without initial state
            AddData(input, ("k1", "update", 37.0)),
            AddData(input, ("k2", "update", 40.0)),
            AddData(input, ("non-exist", "getOption", -1.0)),
            CheckNewAnswer("non-exist:getOption:-1"),
            AddData(input, ("k1", "appendList", 37.0)),
            AddData(input, ("k2", "appendList", 40.0)),
            AddData(input, ("non-exist", "getList", -1.0)),
            CheckNewAnswer(),
            AddData(input, ("k1", "incCount", 37.0)),
            AddData(input, ("k2", "incCount", 40.0)),
            AddData(input, ("non-exist", "getCount", -1.0)),
            CheckNewAnswer("non-exist:getCount:0"),
            AddData(input, ("k2", "incCount", 40.0)),
            AddData(input, ("k2", "getCount", 40.0)),
            CheckNewAnswer("k2:getCount:2"),
            // every row of the initial state is handled
            AddData(input, ("init_1", "getOption", -1.0)),
            CheckNewAnswer("init_1:getOption:40"),
            AddData(input, ("init_2", "getOption", -1.0)),
            CheckNewAnswer("init_2:getOption:100"),
            AddData(input, ("init_1", "getList", -1.0)),
            CheckNewAnswer("init_1:getList:40"),
            AddData(input, ("init_2", "getList", -1.0)),
            CheckNewAnswer("init_2:getList:100"),
            AddData(input, ("init_1", "getCount", 40.0)),
            CheckNewAnswer("init_1:getCount:1"),
            AddData(input, ("init_2", "getCount", 100.0)),
            CheckNewAnswer("init_2:getCount:1"),
            // a key of the initial state is updated like any other
            AddData(input, ("init_1", "update", 50.0)),
            AddData(input, ("init_1", "getOption", -1.0)),
            CheckNewAnswer("init_1:getOption:50"),
            AddData(input, ("init_1", "remove", -1.0)),
            AddData(input, ("init_1", "getOption", -1.0)),
            CheckNewAnswer("init_1:getOption:-1"),
            AddData(input, ("init_1", "appendList", 50.0)),
            AddData(input, ("init_1", "getList", -1.0)),
            CheckNewAnswer("init_1:getList:50", "init_1:getList:40"),
            AddData(input, ("init_1", "incCount", 40.0)),
            AddData(input, ("init_1", "getCount", 40.0)),
            CheckNewAnswer("init_1:getCount:2"),
            AddData(input, ("k1", "remove", -1.0)),
            AddData(input, ("k1", "getOption", -1.0)),
            CheckNewAnswer("k1:getOption:-1"),
            AddData(input, ("init_1", "clearCount", -1.0)),
            AddData(input, ("init_1", "getCount", -1.0)),
            CheckNewAnswer("init_1:getCount:0"),
            AddData(input, ("init_1", "clearList", -1.0)),
            AddData(input, ("init_1", "getList", -1.0)),
            CheckNewAnswer());
    }

    // "correctness test, processInitialState should only run once".
    [Fact]
    public async Task InitialState_IsHandledOnce()
    {
        var input = ActionStream();
        var result = Actions(input).TransformWithState(new Accumulate(), Output, OutputMode.Append, TimeMode.None, InitialSums());
        await Session.TestStream(result, OutputMode.Update).Run(
            AddData(input, ("init_1", "add", 50.0)),
            AddData(input, ("init_2", "add", 60.0)),
            AddData(input, ("init_1", "add", 50.0)),
            AddData(input, ("init_1", "getOption", -1.0), ("init_2", "getOption", -1.0)),
            CheckNewAnswer("init_2:getOption:160", "init_1:getOption:140"));
    }

    // As Spark (batch 0 only): a query restarted from its checkpoint keeps its state and does not read the initial state again.
    [Fact]
    public async Task InitialState_IsNotAppliedAgainOnRestart()
    {
        var input = ActionStream();
        var result = Actions(input).TransformWithState(new Accumulate(), Output, OutputMode.Append, TimeMode.None, InitialSums());
        await Session.TestStream(result, OutputMode.Update).Run(
            AddData(input, ("init_1", "add", 50.0)),
            CheckNewAnswer(),
            StopStream,
            StartStream(),
            AddData(input, ("init_1", "getOption", -1.0), ("init_2", "getOption", -1.0)),
            CheckNewAnswer("init_1:getOption:90", "init_2:getOption:100"),
            StopStream,
            StartStream(),
            AddData(input, ("init_1", "add", 1.0), ("init_1", "getOption", -1.0)),
            CheckNewAnswer("init_1:getOption:91"));
    }

    // "batch should succeed".
    [Fact]
    public async Task Batch_AppliesTheInitialState()
    {
        var frame = Session.CreateDataFrame([["k1", "add", 37.0], ["k1", "getOption", -1.0]], "key STRING, action STRING, value DOUBLE");
        var rows = await frame.GroupBy("key").TransformWithState(new Accumulate(), Output, OutputMode.Append, TimeMode.None, InitialSums()).CollectAsync();
        Assert.Equal(["k1:getOption:37"], Scenario.Plain(rows));
    }

    // "cannot re-initialize state during initial state handling": two initial rows of one key.
    [Fact]
    public async Task InitialState_WithADuplicateKey_FailsTheQueryNamingTheKey()
    {
        var input = ActionStream();
        var initial = InitialSums(["init_1", 40.0], ["init_2", 100.0], ["init_1", 50.0]);
        var result = Actions(input).TransformWithState(new Accumulate(), Output, OutputMode.Append, TimeMode.None, initial);
        await Session.TestStream(result, OutputMode.Update).Run(
            AddData(input, ("k1", "add", 50.0)),
            ExpectFailure("[STATEFUL_PROCESSOR_CANNOT_REINITIALIZE_STATE_ON_KEY] Cannot re-initialize state on the same grouping key during initial state handling for stateful processor. Invalid grouping key=init_1."));
    }

    // Spark's types make the initial state's key the input's; here a key of another type is refused at start.
    [Fact]
    public async Task InitialState_GroupedByAnotherKeyType_IsRefusedAtStart()
    {
        var input = ActionStream();
        var initial = Session.CreateDataFrame([[1, 40.0]], "key INT, value DOUBLE").GroupBy("key");
        var result = Actions(input).TransformWithState(new Accumulate(), Output, OutputMode.Append, TimeMode.None, initial);
        var e = await Assert.ThrowsAnyAsync<Exception>(() => result.WriteStream.OutputMode(OutputMode.Update).Format("memory").QueryName("tws_init_type_" + Guid.NewGuid().ToString("N")).StartAsync());
        Assert.Contains("must be grouped by columns of the same types as the input's grouping key: input (key string), initial state (key int)", e.Message);
    }

    [Fact]
    public void InitialState_ThatIsStreaming_IsRefused()
    {
        var initial = Actions(ActionStream());
        var e = Assert.Throws<ArgumentException>(() => Actions(ActionStream()).TransformWithState(new Accumulate(), Output, OutputMode.Append, TimeMode.None, initial));
        Assert.Contains("must be a batch DataFrame", e.Message);
    }

    // "streaming with processing time timer, can emit expired initial state rows when grouping key is not received for new input rows".
    [Fact]
    public async Task InitialState_RegistersProcessingTimeTimers()
    {
        using var dir = new TempDirectory();
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path, TimeProvider = clock });
        var input = session.CreateMemoryStream<string>();
        var initial = session.CreateDataFrame([["a"], ["b"]], "value STRING").GroupBy("value");
        var result = input.ToDF().GroupBy("value").TransformWithState(new CountWithProcessingTimer(), "key STRING, count STRING", OutputMode.Update, TimeMode.ProcessingTime, initial);
        await session.TestStream(result, OutputMode.Update, new StreamTestOptions { Clock = clock }).Run(
            StartStream(Trigger.ProcessingTime("1 second")),
            AddData(input, "c"),
            AdvanceClock(TimeSpan.FromSeconds(1)), // the first epoch at 1 s: the timer of "a" is at 6 s
            CheckNewAnswer("c:1"),
            AddData(input, "c"),
            AdvanceClock(TimeSpan.FromSeconds(6)), // 7 s: "a" expires though no row of it arrived
            CheckNewAnswer("a:-1", "c:2"),
            AddData(input, "a", "a"),
            AdvanceClock(TimeSpan.FromSeconds(1)), // 8 s: "a" registers a timer at 15.5 s
            CheckNewAnswer("a:3"),
            AddData(input, "b"),
            AdvanceClock(TimeSpan.FromSeconds(8)), // 16 s
            CheckNewAnswer("a:-1", "b:2"), // the initial state of "b" counted too
            StopStream);
    }

    // "streaming with event time timer, can emit expired initial state rows when grouping key is not received for new input rows"
    // (the initial state's event times as seconds).
    [Fact]
    public async Task InitialState_RegistersEventTimeTimers()
    {
        var input = Session.CreateMemoryStream<(string, int)>();
        var initial = Session.CreateDataFrame([["a", 11L], ["b", 5L]], "key STRING, seconds BIGINT").GroupBy("key");
        var result = input.ToDF()
            .Select(Col("_1").As("key"), Col("_2").Cast("timestamp").As("eventTime"))
            .WithWatermark("eventTime", "10 seconds")
            .GroupBy("key")
            .TransformWithState(new MaxEventTimeWithInitialState(), "key STRING, maxEventTime INT", OutputMode.Update, TimeMode.EventTime, initial);
        await Session.TestStream(result, OutputMode.Update).Run(
            AddData(input, ("a", 13), ("a", 15)),
            CheckNewAnswer("a:15"),
            AddData(input, ("c", 7)),
            CheckNewAnswer("c:7"),
            AddData(input, ("d", 31)),
            CheckNewAnswer("a:-1", "b:-1", "c:-1", "d:31"));
    }
}
