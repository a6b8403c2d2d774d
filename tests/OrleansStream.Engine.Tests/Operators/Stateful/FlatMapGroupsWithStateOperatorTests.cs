using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Client;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.Operators.Stateful;

namespace OrleansStream.Engine.Tests.Operators.Stateful;

/// <summary>
/// Spark's FlatMapGroupsWithStateSuite, its GroupState and InputProcessor tests ported: what a call may do to its group's
/// state and timeout (and Spark's refusals, in its words), and what the operator stores after the call: a timeout lasts
/// until the group's next call, a group times out strictly after its timeout, and a timed-out call sees no rows.
/// </summary>
public sealed class FlatMapGroupsWithStateOperatorTests
{
    private static readonly Schema Input = new([new Field("key", Int32Type.Default, false)], null);
    private static readonly Schema Output = new([new Field("key", Int32Type.Default, false)], null);

    // Spark's InputProcessor tests run at batch timestamp 1000 with watermark 1000.
    private const long BatchTimestamp = 1000;

    /// <summary>Runs the test's action on each call; asserts whether the call is a timed-out one.</summary>
    private sealed class Probe : FlatMapGroupsWithStateFunction<int>
    {
        public Action<GroupState<int>> Action { get; set; } = _ => { };

        public bool? ExpectTimedOut { get; set; }

        public int Calls { get; private set; }

        public override IEnumerable<Row> Call(Row key, IEnumerable<Row> rows, GroupState<int> state)
        {
            Calls++;
            if (ExpectTimedOut is { } timedOut)
            {
                Assert.Equal(timedOut, state.HasTimedOut);
                Assert.Equal(timedOut, !rows.Any());
            }
            Action(state);
            return [];
        }
    }

    private static KeyedInput[] Key0 => [new KeyedInput(0, new RecordBatch(Input, [new Int32Array.Builder().Append(0).Build()], 1))];

    private static StatefulContext At(long batchId, long ms, long? watermarkMs = null) =>
        new(batchId, watermarkMs * 1000, watermarkMs * 1000) { BatchTimestampMicros = ms * 1000 };

    private static GroupStateClock Clock(GroupStateTimeout timeout, long? watermarkMs = null) => new(timeout, BatchTimestamp, watermarkMs is not null, watermarkMs);

    private static KeyedGroupState<int> State(GroupStateTimeout timeout, int? prior = null, long? watermarkMs = null, bool timedOut = false) =>
        new(prior is { } p ? StateValueCodec.Encode(p) : null, Clock(timeout, watermarkMs), timedOut);

    // An operator holding state 0 for key 0 (or none), with a timeout at priorTimeout (or none), before batch 1.
    private static (FlatMapGroupsWithStateOperator Op, Probe Probe) Prepared(GroupStateTimeout timeout, int? priorState, long? priorTimeout)
    {
        var probe = new Probe();
        var op = new FlatMapGroupsWithStateOperator(Input, [0], Output, probe, timeout, watermarkPresent: false, eventTimeColumn: null);
        probe.Action = state =>
        {
            if (priorState is { } s) state.Update(s);
            if (priorTimeout is { } t && timeout == GroupStateTimeout.ProcessingTimeTimeout) state.SetTimeoutDuration(t - 1);
            if (priorTimeout is { } e && timeout == GroupStateTimeout.EventTimeTimeout) state.SetTimeoutTimestamp(e);
        };
        if (priorState is not null || priorTimeout is not null) op.Process(Key0, At(0, 1));
        return (op, probe);
    }

    private static (string? State, long? Timeout) Stored(FlatMapGroupsWithStateOperator op) =>
        op.StoredGroups() is [var only] ? (only.StateJson, only.TimeoutMs) : (null, null);

    // "GroupState - get, exists, update, remove" and "GroupState - primitive type".
    [Fact]
    public void GroupState_GetExistsUpdateRemove()
    {
        var state = State(GroupStateTimeout.NoTimeout);
        Assert.False(state.Exists);
        Assert.Equal("State is either not defined or has already been removed", Assert.Throws<InvalidOperationException>(() => state.Get()).Message);
        Assert.Equal(0, state.GetOption());
        state.Update(0);
        Assert.True(state.Exists && state.IsUpdated);
        Assert.Equal(0, state.Get());

        state = State(GroupStateTimeout.NoTimeout, prior: 2);
        Assert.Equal(2, state.Get());
        Assert.False(state.IsUpdated);
        state.Update(3);
        Assert.Equal(3, state.Get());
        state.Remove();
        Assert.False(state.Exists);
        Assert.True(state.IsRemoved);
        Assert.False(state.IsUpdated);
        state.Remove(); // still callable
        state.Update(4);
        Assert.Equal(4, state.Get());
        Assert.False(state.IsRemoved);

        var text = new KeyedGroupState<string>(null, Clock(GroupStateTimeout.NoTimeout), false);
        Assert.Contains("'null' is not a valid state value", Assert.Throws<ArgumentNullException>(() => text.Update(null!)).Message);
    }

    // "GroupState - setTimeout - with NoTimeout".
    [Fact]
    public void GroupState_WithNoTimeout_RefusesBothTimeouts()
    {
        var state = State(GroupStateTimeout.NoTimeout, prior: 5);
        Assert.Equal("Cannot set timeout duration without enabling processing time timeout in [map|flatMap]GroupsWithState",
            Assert.Throws<NotSupportedException>(() => state.SetTimeoutDuration(1000)).Message);
        Assert.Throws<NotSupportedException>(() => state.SetTimeoutDuration("2 second"));
        Assert.Equal("Cannot set timeout timestamp without enabling event time timeout in [map|flatMapGroupsWithState",
            Assert.Throws<NotSupportedException>(() => state.SetTimeoutTimestamp(2000)).Message);
        Assert.Throws<NotSupportedException>(() => state.SetTimeoutTimestamp(2000, "1 second"));
        Assert.Throws<NotSupportedException>(() => state.SetTimeoutTimestamp(DateTime.UnixEpoch.AddSeconds(2)));
        Assert.Throws<NotSupportedException>(() => state.SetTimeoutTimestamp(DateTime.UnixEpoch.AddSeconds(2), "1 second"));
        Assert.Null(state.TimeoutTimestampMs);
    }

    // "GroupState - setTimeout - with ProcessingTimeTimeout".
    [Fact]
    public void GroupState_ProcessingTimeTimeout_IsADurationFromTheBatchTimestamp()
    {
        var state = State(GroupStateTimeout.ProcessingTimeTimeout);
        Assert.Null(state.TimeoutTimestampMs);
        state.SetTimeoutDuration("-1 month 31 days 1 second");
        Assert.Equal(2000, state.TimeoutTimestampMs);
        state.SetTimeoutDuration(500);
        Assert.Equal(1500, state.TimeoutTimestampMs); // without a state value
        Assert.Throws<NotSupportedException>(() => state.SetTimeoutTimestamp(2000));
        state.Update(5);
        Assert.Equal(1500, state.TimeoutTimestampMs);
        state.SetTimeoutDuration(1000);
        Assert.Equal(2000, state.TimeoutTimestampMs);
        state.SetTimeoutDuration("2 second");
        Assert.Equal(3000, state.TimeoutTimestampMs);
        state.Remove();
        Assert.Equal(3000, state.TimeoutTimestampMs);
        state.SetTimeoutDuration(500); // after removing
        Assert.Equal(1500, state.TimeoutTimestampMs);
    }

    // "GroupState - setTimeout - with EventTimeTimeout".
    [Fact]
    public void GroupState_EventTimeTimeout_IsATimestamp()
    {
        var state = State(GroupStateTimeout.EventTimeTimeout, watermarkMs: 1000);
        Assert.Throws<NotSupportedException>(() => state.SetTimeoutDuration(1000));
        state.SetTimeoutTimestamp(5000);
        Assert.Equal(5000, state.TimeoutTimestampMs);
        state.Update(5);
        Assert.Equal(5000, state.TimeoutTimestampMs);
        state.SetTimeoutTimestamp(10000);
        Assert.Equal(10000, state.TimeoutTimestampMs);
        state.SetTimeoutTimestamp(DateTime.UnixEpoch.AddSeconds(20));
        Assert.Equal(20000, state.TimeoutTimestampMs);
        state.SetTimeoutTimestamp(10000, "2 seconds");
        Assert.Equal(12000, state.TimeoutTimestampMs);
        state.Remove();
        Assert.Equal(12000, state.TimeoutTimestampMs);
        state.SetTimeoutTimestamp(5000);
        Assert.Equal(5000, state.TimeoutTimestampMs);
    }

    // "GroupState - illegal params to setTimeout": each refusal leaves the timeout unset.
    [Theory]
    [InlineData(GroupStateTimeout.ProcessingTimeTimeout, "duration", -1000L, null, "Timeout duration must be positive")]
    [InlineData(GroupStateTimeout.ProcessingTimeTimeout, "duration", 0L, null, "Timeout duration must be positive")]
    [InlineData(GroupStateTimeout.ProcessingTimeTimeout, "duration", 0L, "-2 second", "Provided duration (-2 second) is negative")]
    [InlineData(GroupStateTimeout.ProcessingTimeTimeout, "duration", 0L, "-1 month", "Provided duration (-1 month) is negative")]
    [InlineData(GroupStateTimeout.ProcessingTimeTimeout, "duration", 0L, "1 month -31 day", "Timeout duration must be positive")]
    [InlineData(GroupStateTimeout.EventTimeTimeout, "timestamp", -10000L, null, "Timeout timestamp must be positive")]
    [InlineData(GroupStateTimeout.EventTimeTimeout, "timestamp", 10000L, "-3 second", "Provided duration (-3 second) is negative")]
    [InlineData(GroupStateTimeout.EventTimeTimeout, "timestamp", 10000L, "-1 month", "Provided duration (-1 month) is negative")]
    [InlineData(GroupStateTimeout.EventTimeTimeout, "timestamp", 10000L, "1 month -32 day", "Provided duration (1 month -32 day) is negative")]
    [InlineData(GroupStateTimeout.EventTimeTimeout, "date", -10000L, null, "Timeout timestamp must be positive")]
    [InlineData(GroupStateTimeout.EventTimeTimeout, "date", -10000L, "-3 second", "Provided duration (-3 second) is negative")]
    [InlineData(GroupStateTimeout.EventTimeTimeout, "timestamp", 999L, null, "Timeout timestamp (999) cannot be earlier than the current watermark (1000)")]
    public void GroupState_IllegalTimeouts_AreRefused(GroupStateTimeout timeout, string call, long value, string? duration, string message)
    {
        var state = State(timeout, prior: 5, watermarkMs: 1000);
        var date = DateTime.UnixEpoch.AddMilliseconds(value);
        Action act = (call, duration) switch
        {
            ("duration", null) => () => state.SetTimeoutDuration(value),
            ("duration", _) => () => state.SetTimeoutDuration(duration),
            ("timestamp", null) => () => state.SetTimeoutTimestamp(value),
            ("timestamp", _) => () => state.SetTimeoutTimestamp(value, duration),
            ("date", null) => () => state.SetTimeoutTimestamp(date),
            _ => () => state.SetTimeoutTimestamp(date, duration!),
        };
        Assert.StartsWith(message, Assert.ThrowsAny<ArgumentException>(act).Message);
        Assert.Null(state.TimeoutTimestampMs);
    }

    // "GroupState - getCurrentWatermarkMs", "GroupState - getCurrentProcessingTimeMs" and "GroupState - hasTimedOut".
    [Theory]
    [InlineData(GroupStateTimeout.NoTimeout)]
    [InlineData(GroupStateTimeout.ProcessingTimeTimeout)]
    [InlineData(GroupStateTimeout.EventTimeTimeout)]
    public void GroupState_Clocks(GroupStateTimeout timeout)
    {
        Assert.Contains("Cannot get event time watermark timestamp without setting watermark",
            Assert.Throws<NotSupportedException>(() => State(timeout).GetCurrentWatermarkMs()).Message);
        Assert.Equal(1000, State(timeout, watermarkMs: 1000).GetCurrentWatermarkMs());
        Assert.Equal(2000, State(timeout, watermarkMs: 2000).GetCurrentWatermarkMs());
        // A batch query with a watermark: -1.
        Assert.Equal(-1, new KeyedGroupState<int>(null, new GroupStateClock(timeout, 5, true, null), false).GetCurrentWatermarkMs());
        Assert.Equal(BatchTimestamp, State(timeout).GetCurrentProcessingTimeMs());
        Assert.False(State(timeout).HasTimedOut);
        if (timeout != GroupStateTimeout.NoTimeout) Assert.True(State(timeout, timedOut: true).HasTimedOut);
    }

    public static TheoryData<GroupStateTimeout, int?, long?, string, string?, long?> NewDataCases()
    {
        var data = new TheoryData<GroupStateTimeout, int?, long?, string, string?, long?>();
        foreach (var prior in new int?[] { null, 0 })
        {
            // "NoTimeout - (no) prior state set - no update / state updated / state removed".
            data.Add(GroupStateTimeout.NoTimeout, prior, null, "none", prior?.ToString(), null);
            data.Add(GroupStateTimeout.NoTimeout, prior, null, "update", "5", null);
            data.Add(GroupStateTimeout.NoTimeout, prior, null, "remove", null, null);
            foreach (var priorTimeout in prior is null ? new long?[] { null } : [null, 1000])
            {
                foreach (var timeout in new[] { GroupStateTimeout.ProcessingTimeTimeout, GroupStateTimeout.EventTimeTimeout })
                {
                    // "$timeoutConf - ... - no update / state updated / state removed": the timeout is reset.
                    data.Add(timeout, prior, priorTimeout, "none", prior?.ToString(), null);
                    data.Add(timeout, prior, priorTimeout, "update", "5", null);
                    data.Add(timeout, prior, priorTimeout, "remove", null, null);
                }
                // "ProcessingTimeTimeout - ... - timeout updated without initializing state / state and timeout duration updated /
                // timeout updated after state removed".
                if (prior is null) data.Add(GroupStateTimeout.ProcessingTimeTimeout, prior, priorTimeout, "duration", null, BatchTimestamp + 5000);
                data.Add(GroupStateTimeout.ProcessingTimeTimeout, prior, priorTimeout, "update+duration", "5", BatchTimestamp + 5000);
                data.Add(GroupStateTimeout.ProcessingTimeTimeout, prior, priorTimeout, "remove+duration", null, BatchTimestamp + 5000);
                // "EventTimeTimeout - ... - setting timeout without init state / state and timeout timestamp updated / timeout
                // timestamp updated to before watermark / setting timeout with state removal".
                if (prior is null) data.Add(GroupStateTimeout.EventTimeTimeout, prior, priorTimeout, "timestamp", null, 10000);
                data.Add(GroupStateTimeout.EventTimeTimeout, prior, priorTimeout, "update+timestamp", "5", 5000);
                data.Add(GroupStateTimeout.EventTimeTimeout, prior, priorTimeout, "update+beforeWatermark", "5", null);
                data.Add(GroupStateTimeout.EventTimeTimeout, prior, priorTimeout, "remove+timestamp", null, 10000);
            }
        }
        return data;
    }

    private static void Apply(GroupState<int> state, string action)
    {
        foreach (var step in action.Split('+'))
        {
            switch (step)
            {
                case "update": state.Update(5); break;
                case "remove": state.Remove(); break;
                case "duration": state.SetTimeoutDuration(5000); break;
                case "timestamp": state.SetTimeoutTimestamp(state.Exists ? 5000 : 10000); break;
                case "beforeWatermark": Assert.Throws<ArgumentException>(() => state.SetTimeoutTimestamp(BatchTimestamp - 1)); break;
            }
        }
    }

    // Spark's "InputProcessor - process new data - ..." tests: the state and timeout stored after a call with rows.
    [Theory]
    [MemberData(nameof(NewDataCases))]
    public void NewData_StoresWhatTheCallLeft(GroupStateTimeout timeout, int? priorState, long? priorTimeout, string action, string? expectedState, long? expectedTimeout)
    {
        var (op, probe) = Prepared(timeout, priorState, priorTimeout);
        probe.ExpectTimedOut = false;
        probe.Action = state =>
        {
            Assert.Equal(BatchTimestamp, state.GetCurrentProcessingTimeMs());
            Assert.Throws<NotSupportedException>(() => state.GetCurrentWatermarkMs()); // no watermark in the query
            Apply(state, action);
        };
        var before = probe.Calls;
        op.Process(Key0, At(1, BatchTimestamp, watermarkMs: BatchTimestamp));
        Assert.Equal(before + 1, probe.Calls);
        Assert.Equal((expectedState, expectedTimeout), Stored(op));
    }

    public static TheoryData<GroupStateTimeout, long, string, bool, string?, long?> TimedOutCases()
    {
        var data = new TheoryData<GroupStateTimeout, long, string, bool, string?, long?>();
        foreach (var timeout in new[] { GroupStateTimeout.ProcessingTimeTimeout, GroupStateTimeout.EventTimeTimeout })
        {
            data.Add(timeout, 1001, "none", false, "5", 1001); // "should not timeout"
            data.Add(timeout, 1000, "none", false, "5", 1000); // a timeout at the threshold has not passed yet (Spark: strictly before)
            data.Add(timeout, 999, "none", true, "5", null); // "should timeout - no update/remove"
            data.Add(timeout, 999, "update", true, "5", null); // "should timeout - update state"
            data.Add(timeout, 999, "remove", true, null, null); // "should timeout - remove state"
        }
        data.Add(GroupStateTimeout.ProcessingTimeTimeout, 999, "duration2000", true, "5", BatchTimestamp + 2000); // "timeout duration updated"
        data.Add(GroupStateTimeout.ProcessingTimeTimeout, 999, "update+duration2000", true, "5", BatchTimestamp + 2000); // "timeout duration and state updated"
        data.Add(GroupStateTimeout.EventTimeTimeout, 999, "timestamp", true, "5", 5000); // "timeout timestamp updated"
        data.Add(GroupStateTimeout.EventTimeTimeout, 999, "update+timestamp", true, "5", 5000); // "timeout and state updated"
        return data;
    }

    // Spark's "InputProcessor - process timed out state - ...": a group with state 5 and a timeout before (or after) the
    // batch timestamp and watermark of 1000, and no rows.
    [Theory]
    [MemberData(nameof(TimedOutCases))]
    public void TimedOut_CallsTheFunctionWithNoRows_AndStoresWhatItLeft(GroupStateTimeout timeout, long priorTimeout, string action, bool called, string? expectedState, long? expectedTimeout)
    {
        var (op, probe) = Prepared(timeout, 5, priorTimeout);
        probe.ExpectTimedOut = true;
        probe.Action = state =>
        {
            foreach (var step in action.Split('+'))
            {
                if (step == "duration2000") state.SetTimeoutDuration(2000);
                else Apply(state, step);
            }
        };
        var before = probe.Calls;
        op.Process([], At(1, BatchTimestamp, watermarkMs: BatchTimestamp));
        Assert.Equal(called ? before + 1 : before, probe.Calls);
        Assert.Equal((expectedState, expectedTimeout), Stored(op));
    }

    // The first epoch whose batch timestamp passes the earliest timeout is due (a timeout at t fires at t + 1 ms or later).
    [Fact]
    public void NextProcessingTimer_IsJustAfterTheEarliestTimeout()
    {
        var (op, _) = Prepared(GroupStateTimeout.ProcessingTimeTimeout, 5, 1001);
        Assert.Equal(1002, op.Metrics.NextProcessingTimerMs);
    }
}
