using Microsoft.Extensions.Time.Testing;
using OrleansStream.Testing;
using static OrleansStream.Client.Functions;
using static OrleansStream.Testing.StreamSteps;

namespace OrleansStream.Client.Tests.Stateful;

/// <summary>
/// Spark's TransformWithStateTTLTest (run by ValueStateTTLSuite), its user-visible rows ported: a value with a time to live
/// of one minute is gone once a batch timestamp reaches its write time plus the TTL, a new write moves its expiry, only
/// expired keys go, and an expiry alone runs an epoch (Spark's no-data batch). Spark's rows that read its internal TTL
/// index (get_ttl_value_from_state, get_values_in_ttl_state) have no counterpart here; the clock steps are kept. Map
/// entries expire one by one (MapStateTTLSuite's rule), and TTL outside processing-time mode is refused in Spark's words.
/// </summary>
public sealed class SparkTransformWithStateTtlSuiteTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    /// <summary>Spark's ValueStateTTLProcessor: "put" writes the value, "get" emits it if present, "clear" removes it.</summary>
    public sealed class ValueTtl : StatefulProcessor
    {
        private IValueState<int> _state = null!;

        public override void Init(StatefulProcessorHandle handle) => _state = handle.GetValueState<int>("valueState", new TtlConfig(TimeSpan.FromMinutes(1)));

        public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
        {
            var output = new List<Row>();
            foreach (var row in rows)
            {
                switch (row[1])
                {
                    case "get" when _state.Exists(): output.Add(new Row([key[0], _state.Get()], ["key", "value"])); break;
                    case "put": _state.Update(row.Get<int>(2)); break;
                    case "clear": _state.Clear(); break;
                }
            }
            return output;
        }
    }

    /// <summary>Map state with a TTL of one minute: "put" writes entry (k, v), "get" emits every entry present.</summary>
    public sealed class MapTtl : StatefulProcessor
    {
        private IMapState<string, int> _map = null!;

        public override void Init(StatefulProcessorHandle handle) => _map = handle.GetMapState<string, int>("mapState", new TtlConfig(TimeSpan.FromMinutes(1)));

        public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
        {
            var output = new List<Row>();
            foreach (var row in rows)
            {
                if (row[1] is "put") _map.UpdateValue((string)row[3]!, row.Get<int>(2));
                else if (row[1] is "get") output.AddRange(_map.Iterator().Select(e => new Row([key[0], $"{e.Key}={e.Value}"], ["key", "value"])));
            }
            return output;
        }
    }

    /// <summary>List state with a TTL of one minute: "append" adds (value), "put" replaces the list with (value, value + 1),
    /// "get" emits the elements present, in order.</summary>
    public sealed class ListTtl : StatefulProcessor
    {
        private IListState<int> _list = null!;

        public override void Init(StatefulProcessorHandle handle) => _list = handle.GetListState<int>("listState", new TtlConfig(TimeSpan.FromMinutes(1)));

        public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
        {
            var output = new List<Row>();
            foreach (var row in rows)
            {
                var value = row.Get<int>(2);
                switch (row[1])
                {
                    case "append": _list.AppendValue(value); break;
                    case "put": _list.Put([value, value + 1]); break;
                    case "get": output.Add(new Row([key[0], string.Join(",", _list.Get())], ["key", "value"])); break;
                }
            }
            return output;
        }
    }

    /// <summary>Declares value state with a TTL whatever the query's time mode.</summary>
    public sealed class TtlInAnyMode : StatefulProcessor
    {
        public override void Init(StatefulProcessorHandle handle) => handle.GetValueState<int>("ttlState", new TtlConfig(TimeSpan.FromMinutes(1)));

        public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues) => [];
    }

    private sealed class Clocked : IAsyncDisposable
    {
        public TempDirectory Dir { get; } = new();
        public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UnixEpoch);
        public StreamSession Session { get; private set; } = null!;

        public static async Task<Clocked> StartAsync()
        {
            var c = new Clocked();
            c.Session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = c.Dir.Path, TimeProvider = c.Clock });
            return c;
        }

        public MemoryStream<(string, string, int)> Input() => Session.CreateMemoryStream<(string, string, int)>();

        public DataFrame Values(MemoryStream<(string, string, int)> input, TimeMode mode = TimeMode.ProcessingTime) =>
            input.ToDF().Select(Col("_1").As("key"), Col("_2").As("action"), Col("_3").As("value"))
                .GroupBy("key").TransformWithState(new ValueTtl(), "key STRING, value INT", OutputMode.Append, mode);

        public StreamTest Test(DataFrame frame) => Session.TestStream(frame, OutputMode.Append, new StreamTestOptions { Clock = Clock });

        public async ValueTask DisposeAsync()
        {
            await Session.DisposeAsync();
            Dir.Dispose();
        }
    }

    private static StreamAction Start => StartStream(Trigger.ProcessingTime("1 second"));

    // An epoch without input that removed expired values; waited for, since no data tells the test when it runs.
    private static StreamAction EpochWithoutInputExpired(long values, long rowsLeft) => Execute(async q =>
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!q.RecentProgress.Any(p => p.NumInputRows == 0 && p.StateOperators.Count > 0
                   && p.StateOperators[0].CustomMetrics.GetValueOrDefault("numValuesRemovedDueToTTLExpiry") == values && p.StateOperators[0].NumRowsTotal == rowsLeft))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"No epoch without input removed {values} expired value(s), leaving {rowsLeft}.");
            await Task.Delay(50);
        }
    }, $"an epoch without input removes {values} expired value(s), leaving {rowsLeft}");

    // "validate state is evicted at ttl expiry" (with restarts between the steps).
    [Fact]
    public async Task ValueTtl_EvictsAtExpiry_AcrossRestarts()
    {
        await using var c = await Clocked.StartAsync();
        var input = c.Input();
        await c.Test(c.Values(input)).Run(
            Start,
            AddData(input, ("k1", "put", 1)),
            AdvanceClock(Second), // written at 1 s: expires at 61 s
            CheckNewAnswer(),
            StopStream,
            Start,
            AddData(input, ("k1", "get", -1)),
            AdvanceClock(Second),
            CheckNewAnswer("k1:1"),
            StopStream,
            Start,
            AdvanceClock(2 * Second),
            StopStream,
            Start,
            AdvanceClock(60 * Second),
            AddData(input, ("k1", "get", -1)),
            AdvanceClock(Second),
            CheckNewAnswer(), // expired
            AssertOnQuery(q => q.RecentProgress.Any(p => p.StateOperators.Count > 0 && p.StateOperators[0].CustomMetrics["numValuesRemovedDueToTTLExpiry"] > 0),
                "a progress counts the expired value"));
    }

    // "validate state update updates the expiration timestamp".
    [Fact]
    public async Task ValueTtl_AWriteMovesTheExpiry()
    {
        await using var c = await Clocked.StartAsync();
        var input = c.Input();
        await c.Test(c.Values(input)).Run(
            Start,
            AddData(input, ("k1", "put", 1)),
            AdvanceClock(Second), // expires at 61 s
            CheckNewAnswer(),
            AddData(input, ("k1", "get", -1)),
            AdvanceClock(Second),
            CheckNewAnswer("k1:1"),
            AdvanceClock(2 * Second), // Spark's two steps that read its TTL index
            AdvanceClock(30 * Second),
            AddData(input, ("k1", "put", 1), ("k1", "get", -1)),
            AdvanceClock(Second), // written again at 35 s: expires at 95 s
            CheckNewAnswer("k1:1"),
            AdvanceClock(2 * Second),
            AdvanceClock(30 * Second), // past the first expiry: nothing happens
            AddData(input, ("k1", "get", -1)),
            AdvanceClock(Second),
            CheckNewAnswer("k1:1"));
    }

    // "validate state is evicted at ttl expiry for no data batch": the expiry alone runs an epoch, which removes the value.
    [Fact]
    public async Task ValueTtl_AnExpiryAloneRunsAnEpoch()
    {
        await using var c = await Clocked.StartAsync();
        var input = c.Input();
        await c.Test(c.Values(input)).Run(
            Start,
            AddData(input, ("k1", "put", 1)),
            AdvanceClock(Second),
            CheckNewAnswer(),
            AddData(input, ("k1", "get", -1)),
            AdvanceClock(Second),
            CheckNewAnswer("k1:1"),
            AdvanceClock(2 * Second),
            AdvanceClock(60 * Second), // 64 s: an epoch with no data removes the value
            EpochWithoutInputExpired(1, rowsLeft: 0),
            CheckNewAnswer(),
            AddData(input, ("k1", "get", -1)),
            AdvanceClock(Second),
            CheckNewAnswer());
    }

    // "validate only expired keys are removed from the state".
    [Fact]
    public async Task ValueTtl_OnlyExpiredKeysGo()
    {
        await using var c = await Clocked.StartAsync();
        var input = c.Input();
        await c.Test(c.Values(input)).Run(
            Start,
            AddData(input, ("k1", "put", 1)),
            AdvanceClock(Second), // k1 expires at 61 s
            CheckNewAnswer(),
            AdvanceClock(30 * Second),
            AddData(input, ("k2", "put", 2)),
            AdvanceClock(Second), // k2 expires at 92 s
            CheckNewAnswer(),
            AdvanceClock(30 * Second),
            AddData(input, ("k1", "get", 1), ("k2", "get", -1)),
            AdvanceClock(Second),
            CheckNewAnswer("k2:2"));
    }

    // "validate that clear only clears the current grouping key".
    [Fact]
    public async Task ValueTtl_ClearClearsOnlyItsKey()
    {
        await using var c = await Clocked.StartAsync();
        var input = c.Input();
        await c.Test(c.Values(input)).Run(
            Start,
            AddData(input, ("k1", "put", 1), ("k2", "put", 2), ("k3", "put", 3)),
            AdvanceClock(Second),
            CheckNewAnswer(),
            AddData(input, ("k1", "clear", -1), ("k1", "get", -1)),
            AdvanceClock(Second),
            CheckNewAnswer(),
            AddData(input, ("k2", "get", -1), ("k3", "get", -1)),
            AdvanceClock(Second),
            CheckNewAnswer("k2:2", "k3:3"));
    }

    // Map entries expire one by one, each a minute after its own last write; the second expiry runs an epoch by itself.
    [Fact]
    public async Task MapTtl_EntriesExpireOneByOne()
    {
        await using var c = await Clocked.StartAsync();
        var input = c.Session.CreateMemoryStream<(string, string, int, string)>();
        var result = input.ToDF().Select(Col("_1").As("key"), Col("_2").As("action"), Col("_3").As("value"), Col("_4").As("entry"))
            .GroupBy("key").TransformWithState(new MapTtl(), "key STRING, value STRING", OutputMode.Append, TimeMode.ProcessingTime);
        await c.Test(result).Run(
            Start,
            AddData(input, ("k1", "put", 1, "a")),
            AdvanceClock(Second), // a expires at 61 s
            CheckNewAnswer(),
            AdvanceClock(30 * Second),
            AddData(input, ("k1", "put", 2, "b"), ("k1", "get", 0, "")),
            AdvanceClock(Second), // b expires at 92 s
            CheckNewAnswer("k1:a=1", "k1:b=2"),
            AdvanceClock(30 * Second), // 62 s: a goes, in an epoch of its own
            EpochWithoutInputExpired(1, rowsLeft: 1),
            CheckNewAnswer(),
            AddData(input, ("k1", "get", 0, "")),
            AdvanceClock(Second),
            CheckNewAnswer("k1:b=2"),
            AdvanceClock(30 * Second), // 93 s: b goes too
            EpochWithoutInputExpired(1, rowsLeft: 0),
            CheckNewAnswer());
    }

    // ListStateTTLSuite's rule: each element expires a TTL after its own write (an append does not renew the others; put
    // renews the whole list), and the last element's expiry alone runs an epoch that removes the list.
    [Fact]
    public async Task ListTtl_EachElementExpiresOnItsOwn()
    {
        await using var c = await Clocked.StartAsync();
        var input = c.Input();
        var result = input.ToDF().Select(Col("_1").As("key"), Col("_2").As("action"), Col("_3").As("value"))
            .GroupBy("key").TransformWithState(new ListTtl(), "key STRING, value STRING", OutputMode.Append, TimeMode.ProcessingTime);
        await c.Test(result).Run(
            Start,
            AddData(input, ("k1", "append", 1)),
            AdvanceClock(Second), // 1 expires at 61 s
            CheckNewAnswer(),
            AdvanceClock(30 * Second),
            AddData(input, ("k1", "append", 2), ("k1", "get", 0)),
            AdvanceClock(Second), // 2 expires at 92 s
            CheckNewAnswer("k1:1,2"),
            AdvanceClock(30 * Second),
            AddData(input, ("k1", "get", 0)),
            AdvanceClock(Second), // 63 s: 1 is gone, 2 stays
            CheckNewAnswer("k1:2"),
            AddData(input, ("k1", "append", 3), ("k1", "put", 10), ("k1", "get", 0)),
            AdvanceClock(Second), // put at 64 s: 10 and 11 expire at 124 s
            CheckNewAnswer("k1:10,11"),
            StopStream, // the elements' expiries are checkpointed with them
            Start,
            AdvanceClock(30 * Second),
            AddData(input, ("k1", "get", 0)),
            AdvanceClock(Second), // 95 s: the elements of the put stay
            CheckNewAnswer("k1:10,11"),
            AdvanceClock(30 * Second), // 125 s: the whole list goes, in an epoch without input
            EpochWithoutInputExpired(1, rowsLeft: 0),
            AddData(input, ("k1", "get", 0)),
            AdvanceClock(Second),
            CheckNewAnswer("k1:"));
    }

    // StatefulProcessorHandleImpl.validateTTLConfig: TTL needs TimeMode.ProcessingTime.
    [Theory]
    [InlineData(TimeMode.None, "NoTime")]
    [InlineData(TimeMode.EventTime, "EventTime")]
    public async Task Ttl_OutsideProcessingTimeMode_FailsInSparksWords(TimeMode mode, string name)
    {
        await using var c = await Clocked.StartAsync();
        var input = c.Session.CreateMemoryStream<string>();
        var frame = input.ToDF().Select(Col("value").As("key"), Col("value").Cast("timestamp").As("t")).WithWatermark("t", "1 second")
            .GroupBy("key").TransformWithState(new TtlInAnyMode(), "key STRING", OutputMode.Append, mode);
        await c.Session.TestStream(frame, OutputMode.Append).Run(
            AddData(input, "1"),
            ExpectFailure($"[STATEFUL_PROCESSOR_INCORRECT_TIME_MODE_TO_ASSIGN_TTL] Cannot use TTL for state=ttlState in timeMode={name}, use TimeMode.ProcessingTime() instead."));
    }
}
