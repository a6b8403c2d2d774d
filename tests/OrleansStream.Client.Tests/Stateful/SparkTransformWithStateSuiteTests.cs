using Microsoft.Extensions.Time.Testing;
using OrleansStream.Client.Tests.Infrastructure;
using OrleansStream.Testing;
using static OrleansStream.Client.Functions;
using static OrleansStream.Testing.StreamSteps;

namespace OrleansStream.Client.Tests.Stateful;

/// <summary>
/// Spark's TransformWithStateSuite and TransformWithListStateSuite, their basic scenarios' expected rows ported: value state
/// across restarts, processing-time timers driven by the trigger's clock (each fires once, also across a restart), event-time
/// timers fired by the watermark, list state. The processors are Spark's, over rows.
/// </summary>
[Collection(SessionCollection.Name)]
public sealed class SparkTransformWithStateSuiteTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    /// <summary>Spark's RunningCountStatefulProcessor: a count per key in value state, cleared (and nothing emitted) when it reaches 3.</summary>
    public class RunningCount : StatefulProcessor
    {
        protected IValueState<long> Count { get; private set; } = null!;

        protected StatefulProcessorHandle Handle { get; private set; } = null!;

        public override void Init(StatefulProcessorHandle handle)
        {
            Handle = handle;
            Count = handle.GetValueState<long>("countState");
        }

        public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
        {
            var count = Count.Get() + 1;
            if (count == 3)
            {
                Count.Clear();
                return [];
            }
            Count.Update(count);
            return [Output(key, count)];
        }

        protected static Row Output(Row key, long count) => new([key[0], count.ToString(System.Globalization.CultureInfo.InvariantCulture)], ["key", "count"]);
    }

    /// <summary>Spark's RunningCountStatefulProcessorWithProcTimeTimer: keys "a" and "c" register a timer 5 s after their first row; it clears the count and emits -1.</summary>
    public sealed class RunningCountWithProcessingTimer : RunningCount
    {
        public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
        {
            if (!Count.Exists() && key[0] is "a" or "c") Handle.RegisterTimer(timerValues.GetCurrentProcessingTimeInMs() + 5000);
            return base.HandleInputRows(key, rows, timerValues);
        }

        public override IEnumerable<Row> HandleExpiredTimer(Row key, TimerValues timerValues, ExpiredTimerInfo expiredTimerInfo)
        {
            Count.Clear();
            return [Output(key, -1)];
        }
    }

    /// <summary>Spark's RunningCountStatefulProcessorWithProcTimeTimerUpdates: "a" moves its timer (delete, register) on its second row.</summary>
    public sealed class RunningCountWithTimerUpdates : RunningCount
    {
        private IValueState<long> _timer = null!;

        public override void Init(StatefulProcessorHandle handle)
        {
            base.Init(handle);
            _timer = handle.GetValueState<long>("timerState");
        }

        public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
        {
            var current = Count.Get();
            var count = current + rows.Count();
            Count.Update(count);
            if (key[0] is "a")
            {
                if (current == 0)
                {
                    Handle.RegisterTimer(timerValues.GetCurrentProcessingTimeInMs() + 5000);
                    _timer.Update(timerValues.GetCurrentProcessingTimeInMs() + 5000);
                }
                else if (current == 1)
                {
                    Handle.DeleteTimer(_timer.Get());
                    Handle.RegisterTimer(timerValues.GetCurrentProcessingTimeInMs() + 7500);
                    _timer.Update(timerValues.GetCurrentProcessingTimeInMs() + 7500);
                }
            }
            return [Output(key, count)];
        }

        public override IEnumerable<Row> HandleExpiredTimer(Row key, TimerValues timerValues, ExpiredTimerInfo expiredTimerInfo)
        {
            _timer.Clear();
            return [Output(key, -1)];
        }
    }

    /// <summary>Spark's RunningCountStatefulProcessorWithMultipleTimers: three timers per key; each firing emits the count, the last clears it.</summary>
    public sealed class RunningCountWithMultipleTimers : RunningCount
    {
        public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
        {
            Count.Update(Count.Get() + rows.Count());
            if (!Handle.ListTimers().Any())
            {
                foreach (var delay in new[] { 5000, 10000, 15000 }) Handle.RegisterTimer(timerValues.GetCurrentProcessingTimeInMs() + delay);
                Assert.Equal(3, Handle.ListTimers().Count());
            }
            return [];
        }

        public override IEnumerable<Row> HandleExpiredTimer(Row key, TimerValues timerValues, ExpiredTimerInfo expiredTimerInfo)
        {
            var count = Count.Get();
            // Spark's processor sees the firing timer still listed; here it is deleted before its handler runs (as Spark 4 does).
            if (!Handle.ListTimers().Any()) Count.Clear();
            return [Output(key, count)];
        }
    }

    /// <summary>Spark's MaxEventTimeStatefulProcessor: the max event time (s) per key; an event-time timer 5 s after it emits -1.</summary>
    public sealed class MaxEventTime : StatefulProcessor
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

        public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
        {
            var max = Math.Max(rows.Max(r => new DateTimeOffset(r.Get<DateTime>("eventTime")).ToUnixTimeSeconds()), _max.Get());
            _max.Update(max);
            var timeout = (max + 5) * 1000;
            if (_timer.Get() < timeout)
            {
                _handle.DeleteTimer(_timer.Get());
                _handle.RegisterTimer(timeout);
                _timer.Update(timeout);
            }
            return [new Row([key[0], (int)max], ["key", "maxEventTime"])];
        }

        public override IEnumerable<Row> HandleExpiredTimer(Row key, TimerValues timerValues, ExpiredTimerInfo expiredTimerInfo)
        {
            _max.Clear();
            return [new Row([key[0], -1], ["key", "maxEventTime"])];
        }
    }

    /// <summary>Spark's TestListStateProcessor: each row's action works on the key's list state.</summary>
    public sealed class ListActions : StatefulProcessor
    {
        private IListState<string> _list = null!;

        public override void Init(StatefulProcessorHandle handle) => _list = handle.GetListState<string>("testListState");

        public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
        {
            var output = new List<Row>();
            foreach (var row in rows)
            {
                var value = row.Get<string>("value");
                switch (row.Get<string>("action"))
                {
                    case "emit": output.Add(new Row([key[0], value], ["key", "value"])); break;
                    case "emitAllInState":
                        output.AddRange(_list.Get().Select(v => new Row([key[0], v], ["key", "value"])));
                        _list.Clear();
                        break;
                    case "append": _list.AppendValue(value); break;
                    case "appendAll": _list.AppendList(value.Split(',')); break;
                    case "put": _list.Put(value.Split(',')); break;
                    case "remove": _list.Clear(); break;
                    case "tryAppendingNull": _list.AppendValue(null!); break;
                    case "tryPutEmptyList": _list.Put([]); break;
                }
            }
            return output;
        }
    }

    /// <summary>Spark's TestMapStateProcessor: each row's action works on the key's map state.</summary>
    public sealed class MapActions : StatefulProcessor
    {
        private IMapState<string, string> _map = null!;

        public override void Init(StatefulProcessorHandle handle) => _map = handle.GetMapState<string, string>("sessionState");

        public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
        {
            var output = new List<Row>();
            Row Out(object? a, object? b) => new([key[0], a, b], ["key", "a", "b"]);
            foreach (var row in rows)
            {
                var (k, v) = (row.Get<string>("k"), row.Get<string>("v"));
                switch (row.Get<string>("action"))
                {
                    case "exists": output.Add(Out("exists", _map.Exists() ? "true" : "false")); break;
                    case "getValue": output.Add(Out(k, _map.GetValue(k))); break;
                    case "containsKey": output.Add(Out(k, _map.ContainsKey(k) ? "true" : "false")); break;
                    case "updateValue": _map.UpdateValue(k, v); break;
                    case "iterator": output.AddRange(_map.Iterator().Select(e => Out(e.Key, e.Value))); break;
                    case "keys": output.AddRange(_map.Keys().Select(mk => Out(mk, v))); break;
                    case "values": output.AddRange(_map.Values().Select(mv => Out(k, mv))); break;
                    case "removeKey": _map.RemoveKey(k); break;
                    case "clear": _map.Clear(); break;
                }
            }
            return output;
        }
    }

    /// <summary>Spark's RunningCountMostRecentStatefulProcessor: a count and the previous value per key.</summary>
    public sealed class RunningCountMostRecent : StatefulProcessor
    {
        private IValueState<long> _count = null!;
        private IValueState<string> _mostRecent = null!;

        public override void Init(StatefulProcessorHandle handle)
        {
            _count = handle.GetValueState<long>("countState");
            _mostRecent = handle.GetValueState<string>("mostRecent");
        }

        public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
        {
            var count = _count.Get() + 1;
            var mostRecent = _mostRecent.Get() ?? "";
            var output = new List<Row>();
            foreach (var row in rows)
            {
                _mostRecent.Update(row.Get<string>("value"));
                _count.Update(count);
                output.Add(new Row([key[0], count.ToString(System.Globalization.CultureInfo.InvariantCulture), mostRecent], ["key", "count", "mostRecent"]));
            }
            return output;
        }
    }

    /// <summary>Spark's MostRecentStatefulProcessorWithDeletion: drops the count state an earlier processor kept.</summary>
    public sealed class MostRecentWithDeletion : StatefulProcessor
    {
        private IValueState<string> _mostRecent = null!;

        public override void Init(StatefulProcessorHandle handle)
        {
            handle.DeleteIfExists("countState");
            _mostRecent = handle.GetValueState<string>("mostRecent");
        }

        public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
        {
            var mostRecent = _mostRecent.Get() ?? "";
            var output = new List<Row>();
            foreach (var row in rows)
            {
                _mostRecent.Update(row.Get<string>("value"));
                output.Add(new Row([key[0], mostRecent], ["key", "mostRecent"]));
            }
            return output;
        }
    }

    /// <summary>Spark's RunningCountStatefulProcessorWithError: declares state while handling rows.</summary>
    public sealed class DeclaresStateInAHandler : RunningCount
    {
        public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
        {
            Handle.GetValueState<long>("tempState");
            return [];
        }
    }

    private static DataFrame Keyed(MemoryStream<string> input) => input.ToDF().Select(Col("value").As("key"));

    private static DataFrame ListInput(MemoryStream<(string, string, string)> input) =>
        input.ToDF().Select(Col("_1").As("key"), Col("_2").As("action"), Col("_3").As("value"));

    private async Task<(StreamSession Session, FakeTimeProvider Clock, TempDirectory Dir)> ClockedSessionAsync()
    {
        var dir = new TempDirectory();
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path, TimeProvider = clock });
        return (session, clock, dir);
    }

    // "transformWithState - streaming with rocksdb should succeed": value state survives restarts.
    [Fact]
    public async Task RunningCount_KeepsValueStateAcrossRestarts()
    {
        var input = Session.CreateMemoryStream<string>();
        var result = Keyed(input).GroupBy("key").TransformWithState(new RunningCount(), "key STRING, count STRING", OutputMode.Update, TimeMode.None);
        await Session.TestStream(result, OutputMode.Update).Run(
            AddData(input, "a"),
            CheckNewAnswer("a:1"),
            AddData(input, "a", "b"),
            CheckNewAnswer("a:2", "b:1"),
            StopStream,
            StartStream(),
            AddData(input, "a", "b"), // removes the state of "a" and returns nothing for it
            CheckNewAnswer("b:2"),
            StopStream,
            StartStream(),
            AddData(input, "a", "c"), // recreates the state of "a"
            CheckNewAnswer("a:1", "c:1"));
    }

    // The same after rescaling: the state moves to other partitions by key group on restart.
    [Fact]
    public async Task RunningCount_StateFollowsItsKeyGroupsWhenThePartitionCountChanges()
    {
        var input = Session.CreateMemoryStream<string>();
        var result = Keyed(input).GroupBy("key").TransformWithState<RunningCount>("key STRING, count STRING", OutputMode.Update, TimeMode.None);
        await Session.TestStream(result, OutputMode.Update).Run(
            StartStream(options: new Dictionary<string, string> { ["numStatePartitions"] = "1" }),
            AddData(input, "a", "b", "c", "d"),
            CheckNewAnswer("a:1", "b:1", "c:1", "d:1"),
            StopStream,
            StartStream(options: new Dictionary<string, string> { ["numStatePartitions"] = "3" }),
            AddData(input, "a", "b", "c", "d", "e"),
            CheckNewAnswer("a:2", "b:2", "c:2", "d:2", "e:1"),
            StopStream,
            StartStream(options: new Dictionary<string, string> { ["numStatePartitions"] = "2" }),
            AddData(input, "a", "e"),
            CheckNewAnswer("e:2"));
    }

    // "two input streams": a union feeds one processor.
    [Fact]
    public async Task RunningCount_OverTwoInputStreams()
    {
        var first = Session.CreateMemoryStream<string>();
        var second = Session.CreateMemoryStream<string>();
        var result = Keyed(first).Union(Keyed(second)).GroupBy("key").TransformWithState(new RunningCount(), "key STRING, count STRING", OutputMode.Update, TimeMode.None);
        await Session.TestStream(result, OutputMode.Update).Run(
            AddData(first, "a"),
            CheckNewAnswer("a:1"),
            AddData(second, "a", "b"),
            CheckNewAnswer("a:2", "b:1"),
            AddData(first, "a", "b"),
            CheckNewAnswer("b:2"),
            AddData(first, "d", "e"),
            AddData(second, "a", "c"),
            CheckNewAnswer("a:1", "c:1", "d:1", "e:1"));
    }

    // "streaming with rocksdb and processing time timer should succeed".
    [Fact]
    public async Task ProcessingTimeTimers_FireByTheTriggerClock_AlsoAfterARestart()
    {
        var (session, clock, dir) = await ClockedSessionAsync();
        await using var _ = session;
        using var __ = dir;
        var input = session.CreateMemoryStream<string>();
        var result = Keyed(input).GroupBy("key").TransformWithState(new RunningCountWithProcessingTimer(), "key STRING, count STRING", OutputMode.Update, TimeMode.ProcessingTime);
        var trigger = Trigger.ProcessingTime("1 second");
        await session.TestStream(result, OutputMode.Update, new StreamTestOptions { Clock = clock }).Run(
            StartStream(trigger),
            AddData(input, "a"),
            AdvanceClock(TimeSpan.FromSeconds(1)),
            CheckNewAnswer("a:1"),
            AddData(input, "b"),
            AdvanceClock(TimeSpan.FromSeconds(1)),
            CheckNewAnswer("b:1"),
            AddData(input, "b"),
            AdvanceClock(TimeSpan.FromSeconds(10)),
            CheckNewAnswer("a:-1", "b:2"),
            StopStream,
            StartStream(trigger),
            AddData(input, "b"),
            AddData(input, "c"),
            AdvanceClock(TimeSpan.FromSeconds(1)),
            CheckNewAnswer("c:1"), // "b" reaches 3: its state is removed
            AddData(input, "d"),
            AdvanceClock(TimeSpan.FromSeconds(10)),
            CheckNewAnswer("c:-1", "d:1"),
            StopStream);
    }

    // "processing time timer and updating timers should succeed": a replaced timer fires once, after a restart.
    [Fact]
    public async Task ProcessingTimeTimers_ADeletedTimerNeverFires_AndTheReplacementFiresOnceAfterRestart()
    {
        var (session, clock, dir) = await ClockedSessionAsync();
        await using var _ = session;
        using var __ = dir;
        var input = session.CreateMemoryStream<string>();
        var result = Keyed(input).GroupBy("key").TransformWithState(new RunningCountWithTimerUpdates(), "key STRING, count STRING", OutputMode.Update, TimeMode.ProcessingTime);
        var trigger = Trigger.ProcessingTime("1 second");
        await session.TestStream(result, OutputMode.Update, new StreamTestOptions { Clock = clock }).Run(
            StartStream(trigger),
            AddData(input, "a"),
            AdvanceClock(TimeSpan.FromSeconds(1)),
            CheckNewAnswer("a:1"),
            AddData(input, "a"),
            AdvanceClock(TimeSpan.FromSeconds(2)),
            CheckNewAnswer("a:2"),
            StopStream,
            StartStream(trigger),
            AddData(input, "d"),
            AdvanceClock(TimeSpan.FromSeconds(10)),
            CheckNewAnswer("a:-1", "d:1"), // a timer added rather than replaced would emit "a:-1" twice
            StopStream);
    }

    // "processing time timer and multiple timers should succeed".
    [Fact]
    public async Task ProcessingTimeTimers_SeveralPerKey_FireOneAtATimeInTimeOrder()
    {
        var (session, clock, dir) = await ClockedSessionAsync();
        await using var _ = session;
        using var __ = dir;
        var input = session.CreateMemoryStream<string>();
        var result = Keyed(input).GroupBy("key").TransformWithState(new RunningCountWithMultipleTimers(), "key STRING, count STRING", OutputMode.Update, TimeMode.ProcessingTime);
        var trigger = Trigger.ProcessingTime("1 second");
        await session.TestStream(result, OutputMode.Update, new StreamTestOptions { Clock = clock }).Run(
            StartStream(trigger),
            AddData(input, "a"),
            AdvanceClock(TimeSpan.FromSeconds(1)), // three timers for "a"
            AddData(input, "a"),
            AdvanceClock(TimeSpan.FromSeconds(6)),
            CheckNewAnswer("a:2"), // the first timer fires
            AddData(input, "a"),
            AdvanceClock(TimeSpan.FromSeconds(5)),
            CheckNewAnswer("a:3"), // the second
            StopStream,
            StartStream(trigger),
            AddData(input, "a"),
            AdvanceClock(TimeSpan.FromSeconds(5)),
            CheckNewAnswer("a:4"), // the third
            StopStream);
    }

    // A timer alone makes an epoch due: no data arrives after the one that registered it.
    [Fact]
    public async Task ProcessingTimeTimers_FireWithoutNewData()
    {
        var (session, clock, dir) = await ClockedSessionAsync();
        await using var _ = session;
        using var __ = dir;
        var input = session.CreateMemoryStream<string>();
        var result = Keyed(input).GroupBy("key").TransformWithState(new RunningCountWithProcessingTimer(), "key STRING, count STRING", OutputMode.Update, TimeMode.ProcessingTime);
        await session.TestStream(result, OutputMode.Update, new StreamTestOptions { Clock = clock }).Run(
            StartStream(Trigger.ProcessingTime("1 second")),
            AddData(input, "a"),
            AdvanceClock(TimeSpan.FromSeconds(1)),
            CheckNewAnswer("a:1"),
            AdvanceClock(TimeSpan.FromSeconds(3)),
            CheckNewAnswer(), // the timer is at 6 s
            AdvanceClock(TimeSpan.FromSeconds(3)),
            CheckNewAnswer("a:-1"),
            AdvanceClock(TimeSpan.FromSeconds(10)),
            CheckNewAnswer()); // fired once
    }

    // "streaming with rocksdb and event time based timer".
    [Fact]
    public async Task EventTimeTimers_FireWhenTheWatermarkPassesThem()
    {
        var input = Session.CreateMemoryStream<(string, int)>();
        var result = input.ToDF()
            .Select(Col("_1").As("key"), Col("_2").Cast("timestamp").As("eventTime"))
            .WithWatermark("eventTime", "10 seconds")
            .GroupBy("key")
            .TransformWithState(new MaxEventTime(), "key STRING, maxEventTime INT", OutputMode.Update, TimeMode.EventTime);
        await Session.TestStream(result, OutputMode.Update).Run(
            AddData(input, ("a", 11), ("a", 13), ("a", 15)),
            CheckNewAnswer("a:15"), // timer of "a" at 20 s; the watermark becomes 5 s
            AddData(input, ("a", 4)),
            CheckNewAnswer(), // late: dropped by the watermark
            AddData(input, ("a", 10)),
            CheckNewAnswer("a:15"),
            AddData(input, ("b", 31)), // the watermark becomes 21 s: the timer of "a" fires
            CheckNewAnswer("a:-1", "b:31"));
    }

    // TransformWithListStateSuite "test list state correctness".
    [Fact]
    public async Task ListState_AppendPutClearAndRead()
    {
        var input = Session.CreateMemoryStream<(string, string, string)>();
        var result = ListInput(input).GroupBy("key").TransformWithState(new ListActions(), "key STRING, value STRING", OutputMode.Update, TimeMode.None);
        await Session.TestStream(result, OutputMode.Update).Run(
            AddData(input, ("k1", "emit", "v1")),
            CheckNewAnswer("k1:v1"),
            AddData(input, ("k1", "append", "v2"), ("k1", "emitAllInState", "")),
            CheckNewAnswer("k1:v2"),
            AddData(input, ("k2", "append", "v1"), ("k1", "append", "v4"), ("k2", "append", "v2"), ("k1", "emit", "v5"), ("k2", "emit", "v3")),
            CheckNewAnswer("k1:v5", "k2:v3"),
            AddData(input, ("k1", "emitAllInState", ""), ("k2", "emitAllInState", "")),
            CheckNewAnswer("k2:v1", "k2:v2", "k1:v4"),
            AddData(input, ("k3", "appendAll", "v1,v2,v3"), ("k3", "emit", "v4"), ("k3", "append", "v5")),
            CheckNewAnswer("k3:v4"),
            StopStream,
            StartStream(),
            AddData(input, ("k3", "emitAllInState", "")),
            CheckNewAnswer("k3:v1", "k3:v2", "k3:v3", "k3:v5"),
            AddData(input, ("k4", "append", "v2"), ("k4", "appendList", "v3,v4"), ("k4", "remove", ""), ("k4", "emitAllInState", "")),
            CheckNewAnswer(),
            AddData(input, ("k5", "appendAll", "v1,v2,v3"), ("k5", "append", "v4"), ("k5", "put", "v5,v6"), ("k5", "emitAllInState", "")),
            CheckNewAnswer("k5:v5", "k5:v6"));
    }

    // "test appending null value in list state throw exception" and "test putting empty list in list state throw exception".
    [Theory]
    [InlineData("tryAppendingNull", "ILLEGAL_STATE_STORE_VALUE.NULL_VALUE")]
    [InlineData("tryPutEmptyList", "ILLEGAL_STATE_STORE_VALUE.EMPTY_LIST_VALUE")]
    public async Task ListState_RefusesNullsAndEmptyLists(string action, string error)
    {
        var input = Session.CreateMemoryStream<(string, string, string)>();
        var result = ListInput(input).GroupBy("key").TransformWithState(new ListActions(), "key STRING, value STRING", OutputMode.Update, TimeMode.None);
        await Session.TestStream(result, OutputMode.Update).Run(
            AddData(input, ("k1", action, "")),
            ExpectFailure(error));
    }

    // TransformWithMapStateSuite "Test map state correctness" (Append mode).
    [Fact]
    public async Task MapState_GetPutIterateRemoveAndClear()
    {
        var input = Session.CreateMemoryStream<(string, string, string, string)>();
        var result = input.ToDF().Select(Col("_1").As("key"), Col("_2").As("action"), Col("_3").As("k"), Col("_4").As("v"))
            .GroupBy("key").TransformWithState(new MapActions(), "key STRING, a STRING, b STRING", OutputMode.Append, TimeMode.None);
        await Session.TestStream(result, OutputMode.Append).Run(
            AddData(input, ("k1", "updateValue", "v1", "10"), ("k1", "exists", "", ""), ("k2", "exists", "", "")),
            CheckNewAnswer("k1:exists:true", "k2:exists:false"),
            AddData(input, ("k1", "updateValue", "v2", "5"), ("k2", "updateValue", "v2", "3"), ("k2", "updateValue", "v2", "12"), ("k2", "updateValue", "v4", "1"),
                ("k1", "getValue", "v2", "")),
            CheckNewAnswer("k1:v2:5"),
            AddData(input, ("k2", "getValue", "v2", "")),
            CheckNewAnswer("k2:v2:12"),
            StopStream,
            StartStream(),
            AddData(input, ("k2", "iterator", "", "")),
            CheckNewAnswer("k2:v2:12", "k2:v4:1"),
            AddData(input, ("k2", "keys", "", "")),
            CheckNewAnswer("k2:v2:", "k2:v4:"),
            AddData(input, ("k2", "values", "", "")),
            CheckNewAnswer("k2::12", "k2::1"),
            AddData(input, ("k1", "removeKey", "v2", ""), ("k1", "containsKey", "v2", "")),
            CheckNewAnswer("k1:v2:false"),
            AddData(input, ("k2", "clear", "", ""), ("k2", "iterator", "", "")),
            CheckNewAnswer(),
            AddData(input, ("k2", "exists", "", "")),
            CheckNewAnswer("k2:exists:false"));
    }

    // "Test retrieving value with non-existing user key".
    [Fact]
    public async Task MapState_AMissingEntryReadsAsNull()
    {
        var input = Session.CreateMemoryStream<(string, string, string, string)>();
        var result = input.ToDF().Select(Col("_1").As("key"), Col("_2").As("action"), Col("_3").As("k"), Col("_4").As("v"))
            .GroupBy("key").TransformWithState(new MapActions(), "key STRING, a STRING, b STRING", OutputMode.Update, TimeMode.None);
        await Session.TestStream(result, OutputMode.Update).Run(
            AddData(input, ("k1", "getValue", "v1", "")),
            CheckAnswer(new object?[] { "k1", "v1", null }));
    }

    // "test deleteIfExists operator": a second processor on the same checkpoint drops a state variable of the first.
    [Fact]
    public async Task DeleteIfExists_DropsAStateVariableAnEarlierProcessorKept()
    {
        var input = Session.CreateMemoryStream<(string, string)>();
        var rows = input.ToDF().Select(Col("_1").As("key"), Col("_2").As("value")).GroupBy("key");
        var checkpoint = "tws-delete-if-exists-" + Guid.NewGuid().ToString("N")[..8];
        await Session.TestStream(rows.TransformWithState(new RunningCountMostRecent(), "key STRING, count STRING, mostRecent STRING", OutputMode.Update, TimeMode.None),
            OutputMode.Update, new StreamTestOptions { CheckpointLocation = checkpoint }).Run(
            AddData(input, ("a", "str1")),
            CheckNewAnswer("a:1:"),
            StopStream);
        await Session.TestStream(rows.TransformWithState(new MostRecentWithDeletion(), "key STRING, mostRecent STRING", OutputMode.Update, TimeMode.None),
            OutputMode.Update, new StreamTestOptions { CheckpointLocation = checkpoint }).Run(
            AddData(input, ("a", "str2"), ("b", "str3")),
            CheckNewAnswer("a:str1", "b:"), // the count state is gone
            StopStream);
    }

    // Spark's UnsupportedOperationChecker: transformWithState runs in Append or Update mode.
    [Fact]
    public void CompleteMode_IsRefused()
    {
        var input = Session.CreateMemoryStream<string>();
        var grouped = Keyed(input).GroupBy("key");
        var e = Assert.Throws<ArgumentException>(() => grouped.TransformWithState(new RunningCount(), "key STRING, count STRING", OutputMode.Complete, TimeMode.None));
        Assert.Contains("not Complete", e.Message);
    }

    // "transformWithState - batch should succeed": a batch query runs the processor once over all rows.
    [Fact]
    public async Task Batch_RunsTheProcessorOverTheWholeTable()
    {
        var frame = Session.CreateDataFrame([["a"], ["b"]], "key STRING");
        var rows = await frame.GroupBy("key").TransformWithState(new RunningCount(), "key STRING, count STRING", OutputMode.Append, TimeMode.None).CollectAsync();
        Assert.Equal(["a:1", "b:1"], Scenario.Plain(rows).Order(StringComparer.Ordinal));
    }

    // "transformWithMapState - batch should succeed".
    [Fact]
    public async Task Batch_MapState()
    {
        var frame = Session.CreateDataFrame([["k1", "updateValue", "v1", "10"], ["k1", "getValue", "v1", ""]], "key STRING, action STRING, k STRING, v STRING");
        var rows = await frame.GroupBy("key").TransformWithState(new MapActions(), "key STRING, a STRING, b STRING", OutputMode.Append, TimeMode.None).CollectAsync();
        Assert.Equal(["k1:v1:10"], Scenario.Plain(rows));
    }

    // "transformWithState - streaming with rocksdb and invalid processor should fail".
    [Fact]
    public async Task DeclaringStateOutsideInit_FailsTheQuery()
    {
        var input = Session.CreateMemoryStream<string>();
        var result = Keyed(input).GroupBy("key").TransformWithState(new DeclaresStateInAHandler(), "key STRING, count STRING", OutputMode.Update, TimeMode.None);
        await Session.TestStream(result, OutputMode.Update).Run(
            AddData(input, "a"),
            ExpectFailure("invalid handle state"));
    }
}
