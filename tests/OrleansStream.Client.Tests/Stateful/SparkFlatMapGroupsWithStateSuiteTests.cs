using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using OrleansStream.Client.Tests.Infrastructure;
using OrleansStream.Plan;
using OrleansStream.Testing;
using static OrleansStream.Client.Functions;
using static OrleansStream.Testing.StreamSteps;

namespace OrleansStream.Client.Tests.Stateful;

/// <summary>
/// Spark's FlatMapGroupsWithStateSuite and UntypedFlatMapGroupsWithStateSuite (Spark 4's flatMapGroupsWithState over rows,
/// whose state-row counts these follow), their query scenarios' expected rows ported (the GroupState and InputProcessor unit
/// tests are in the engine's FlatMapGroupsWithStateOperatorTests), with UnsupportedOperationsSuite's (flat)MapGroupsWithState
/// refusals. The functions are Spark's, over rows: the grouping key is the row's "key" column.
/// </summary>
[Collection(SessionCollection.Name)]
public sealed class SparkFlatMapGroupsWithStateSuiteTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    /// <summary>Spark's RunningCount state class.</summary>
    public sealed record RunningCount(long Count);

    private static Row Out(Row key, object value) => new([key[0], value], ["key", "count"]);

    private static string Text(long n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>Keeps a running count up to 2, then removes it and returns nothing (the suite's first stateFunc).</summary>
    public sealed class CountUpToTwo : FlatMapGroupsWithStateFunction<RunningCount>
    {
        public override IEnumerable<Row> Call(Row key, IEnumerable<Row> rows, GroupState<RunningCount> state)
        {
            Assert.True(state.GetCurrentProcessingTimeMs() >= 0);
            Assert.Throws<NotSupportedException>(() => state.GetCurrentWatermarkMs());
            var count = (state.GetOption()?.Count ?? 0) + rows.Count();
            if (count == 3)
            {
                state.Remove();
                return [];
            }
            state.Update(new RunningCount(count));
            return [Out(key, Text(count))];
        }
    }

    /// <summary>The same, updating the state lazily as its rows are read.</summary>
    public sealed class LazyCountUpToTwo : FlatMapGroupsWithStateFunction<RunningCount>
    {
        public override IEnumerable<Row> Call(Row key, IEnumerable<Row> rows, GroupState<RunningCount> state)
        {
            foreach (var _ in rows)
            {
                var count = (state.GetOption()?.Count ?? 0) + 1;
                if (count == 3)
                {
                    state.Remove();
                    continue;
                }
                state.Update(new RunningCount(count));
                yield return Out(key, Text(count));
            }
        }
    }

    /// <summary>Running count; -1 when it reaches 3 and is removed (the aggregation test's and mapGroupsWithState's stateFunc).</summary>
    public sealed class CountOrMinusOne : FlatMapGroupsWithStateFunction<RunningCount>
    {
        public override IEnumerable<Row> Call(Row key, IEnumerable<Row> rows, GroupState<RunningCount> state) => [MapCountOrMinusOne.Next(key, rows, state)];
    }

    /// <summary>mapGroupsWithState's stateFunc: running count, "-1" when it reaches 3 and is removed.</summary>
    public sealed class MapCountOrMinusOne : MapGroupsWithStateFunction<RunningCount>
    {
        public override Row Call(Row key, IEnumerable<Row> rows, GroupState<RunningCount> state) => Next(key, rows, state);

        internal static Row Next(Row key, IEnumerable<Row> rows, GroupState<RunningCount> state)
        {
            var count = (state.GetOption()?.Count ?? 0) + rows.Count();
            if (count == 3)
            {
                state.Remove();
                return Out(key, "-1");
            }
            state.Update(new RunningCount(count));
            return Out(key, Text(count));
        }
    }

    /// <summary>The batch test's stateFunc: the group's size; the state never exists.</summary>
    public sealed class GroupSize : FlatMapGroupsWithStateFunction<RunningCount>
    {
        public override IEnumerable<Row> Call(Row key, IEnumerable<Row> rows, GroupState<RunningCount> state)
        {
            Assert.True(state.GetCurrentProcessingTimeMs() > 0);
            Assert.Throws<NotSupportedException>(() => state.GetCurrentWatermarkMs());
            if (state.Exists) throw new ArgumentException("state.exists should be false");
            return [Out(key, rows.Count())];
        }
    }

    /// <summary>mapGroupsWithState's batch stateFunc: sets an event-time timeout and a primitive state, returns the group's size.</summary>
    public sealed class MapGroupSize : MapGroupsWithStateFunction<int>
    {
        public override Row Call(Row key, IEnumerable<Row> rows, GroupState<int> state)
        {
            Assert.True(state.GetCurrentProcessingTimeMs() > 0);
            Assert.Throws<NotSupportedException>(() => state.GetCurrentWatermarkMs());
            if (state.Exists) throw new ArgumentException("state.exists should be false");
            state.SetTimeoutTimestamp(0, "1 hour");
            state.Update(10);
            return Out(key, rows.Count());
        }
    }

    /// <summary>The processing-time timeout test's stateFunc: the count with a 10 s timeout; -1 (and removal) when it passes.</summary>
    public sealed class CountWithProcessingTimeout : FlatMapGroupsWithStateFunction<RunningCount>
    {
        public override IEnumerable<Row> Call(Row key, IEnumerable<Row> rows, GroupState<RunningCount> state)
        {
            if (state.HasTimedOut)
            {
                state.Remove();
                return [Out(key, "-1")];
            }
            var count = (state.GetOption()?.Count ?? 0) + rows.Count();
            state.Update(new RunningCount(count));
            state.SetTimeoutDuration("10 seconds");
            return [Out(key, Text(count))];
        }
    }

    /// <summary>The event-time timeout test's stateFunc: the max event time (s), timing out 5 s after it; -1 when it does.</summary>
    public sealed class MaxEventTime : FlatMapGroupsWithStateFunction<long>
    {
        public override IEnumerable<Row> Call(Row key, IEnumerable<Row> rows, GroupState<long> state)
        {
            Assert.True(state.GetCurrentWatermarkMs() >= -1);
            if (state.HasTimedOut)
            {
                state.Remove();
                return [Out(key, -1)];
            }
            var max = Math.Max(rows.Max(r => new DateTimeOffset(r.Get<DateTime>("eventTime")).ToUnixTimeSeconds()), state.GetOption());
            state.Update(max);
            state.SetTimeoutTimestamp((max + 5) * 1000);
            return [Out(key, (int)max)];
        }
    }

    /// <summary>The task-failure test's stateFunc: a running count that throws while <see cref="Fail"/> is set.</summary>
    public sealed class FailingCount : MapGroupsWithStateFunction<RunningCount>
    {
        public static volatile bool Fail;

        public override Row Call(Row key, IEnumerable<Row> rows, GroupState<RunningCount> state)
        {
            if (Fail) throw new InvalidOperationException("expected failure");
            var count = (state.GetOption()?.Count ?? 0) + rows.Count();
            state.Update(new RunningCount(count));
            return Out(key, count);
        }
    }

    // Spark's assertNumStateRows with its removed count, for the last epoch: AssertNumStateRows processes all available
    // input first, which a processing-time trigger on a fake clock never finishes.
    private static StreamAction LastBatchStateRows(long total, long updated, long removed) => AssertOnQuery(q =>
    {
        var state = Assert.Single(q.LastProgress!.StateOperators);
        Assert.Equal((total, updated, removed), (state.NumRowsTotal, state.NumRowsUpdated, state.NumRowsRemoved));
    }, $"last epoch's state rows: total {total}, updated {updated}, removed {removed}");

    private static DataFrame Keyed(MemoryStream<string> input) => input.ToDF().Select(Col("value").As("key"));

    private const string CountSchema = "key STRING, count STRING";

    private async Task<(StreamSession Session, FakeTimeProvider Clock, TempDirectory Dir)> ClockedSessionAsync()
    {
        var dir = new TempDirectory();
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path, TimeProvider = clock });
        return (session, clock, dir);
    }

    // "flatMapGroupsWithState - streaming".
    [Fact]
    public async Task FlatMap_Streaming_RunningCountAcrossRestarts()
    {
        var input = Session.CreateMemoryStream<string>();
        var result = Keyed(input).GroupBy("key").FlatMapGroupsWithState(new CountUpToTwo(), OutputMode.Update, CountSchema, GroupStateTimeout.NoTimeout);
        await Session.TestStream(result, OutputMode.Update).Run(
            AddData(input, "a"),
            CheckNewAnswer("a:1"),
            AssertNumStateRows(total: 1, updated: 1),
            AddData(input, "a", "b"),
            CheckNewAnswer("a:2", "b:1"),
            AssertNumStateRows(total: 2, updated: 2),
            StopStream,
            StartStream(),
            AddData(input, "a", "b"), // removes the state of "a" and returns nothing for it
            CheckNewAnswer("b:2"),
            AssertNumStateRows(total: 1, updated: 1),
            StopStream,
            StartStream(),
            AddData(input, "a", "c"), // recreates the state of "a"
            CheckNewAnswer("a:1", "c:1"),
            AssertNumStateRows(total: 3, updated: 2));
    }

    // "flatMapGroupsWithState - streaming + func returns iterator that updates state lazily".
    [Fact]
    public async Task FlatMap_Streaming_StateUpdatedLazilyAsTheRowsAreRead()
    {
        var input = Session.CreateMemoryStream<string>();
        var result = Keyed(input).GroupBy("key").FlatMapGroupsWithState(new LazyCountUpToTwo(), OutputMode.Update, CountSchema, GroupStateTimeout.NoTimeout);
        await Session.TestStream(result, OutputMode.Update).Run(
            AddData(input, "a", "a", "b"),
            CheckNewAnswer("a:1", "a:2", "b:1"),
            StopStream,
            StartStream(),
            AddData(input, "a", "b"),
            CheckNewAnswer("b:2"),
            StopStream,
            StartStream(),
            AddData(input, "a", "c"),
            CheckNewAnswer("a:1", "c:1"));
    }

    // "flatMapGroupsWithState - streaming + aggregation": Append, with an aggregation after it in Complete mode.
    [Fact]
    public async Task FlatMap_Append_FollowedByAnAggregation()
    {
        var input = Session.CreateMemoryStream<string>();
        var result = Keyed(input).GroupBy("key").FlatMapGroupsWithState(new CountOrMinusOne(), OutputMode.Append, CountSchema, GroupStateTimeout.NoTimeout)
            .GroupBy("key").Count();
        await Session.TestStream(result, OutputMode.Complete).Run(
            AddData(input, "a"),
            CheckAnswer("a:1"),
            AddData(input, "a", "b"),
            CheckAnswer("a:2", "b:1"),
            StopStream,
            StartStream(),
            AddData(input, "a", "b"), // "a" reaches 3: ("a", "-1") is still a row
            CheckAnswer("a:3", "b:2"),
            StopStream,
            StartStream(),
            AddData(input, "a", "c"),
            CheckAnswer("a:4", "b:2", "c:1"));
    }

    // "flatMapGroupsWithState - batch".
    [Fact]
    public async Task FlatMap_Batch_RunsOncePerGroupWithNoState()
    {
        var frame = Session.CreateDataFrame([["a"], ["a"], ["b"]], "key STRING");
        var rows = await frame.GroupBy("key").FlatMapGroupsWithState(new GroupSize(), OutputMode.Update, "key STRING, count INT", GroupStateTimeout.NoTimeout).CollectAsync();
        Assert.Equal(["a:2", "b:1"], Scenario.Plain(rows).Order(StringComparer.Ordinal));
    }

    // "flatMapGroupsWithState - streaming with processing time timeout": timeouts pass by the trigger's clock, also after a
    // restart, and the last one without new data.
    [Fact]
    public async Task FlatMap_ProcessingTimeTimeout()
    {
        var (session, clock, dir) = await ClockedSessionAsync();
        await using var _ = session;
        using var __ = dir;
        var input = session.CreateMemoryStream<string>();
        var result = Keyed(input).GroupBy("key").FlatMapGroupsWithState(new CountWithProcessingTimeout(), OutputMode.Update, CountSchema, GroupStateTimeout.ProcessingTimeTimeout);
        var trigger = Trigger.ProcessingTime("1 second");
        await session.TestStream(result, OutputMode.Update, new StreamTestOptions { Clock = clock }).Run(
            StartStream(trigger),
            AddData(input, "a"),
            AdvanceClock(TimeSpan.FromSeconds(1)),
            CheckNewAnswer("a:1"), // timeout of "a" at 11 s
            LastBatchStateRows(total: 1, updated: 1, removed: 0),
            AddData(input, "b"),
            AdvanceClock(TimeSpan.FromSeconds(1)),
            CheckNewAnswer("b:1"), // "b" at 12 s
            LastBatchStateRows(total: 2, updated: 1, removed: 0),
            AddData(input, "b"),
            AdvanceClock(TimeSpan.FromSeconds(10)),
            CheckNewAnswer("a:-1", "b:2"), // batch at 12 s: "a" times out, "b" moves to 22 s
            LastBatchStateRows(total: 1, updated: 1, removed: 1),
            StopStream,
            StartStream(trigger),
            AddData(input, "c"),
            AdvanceClock(TimeSpan.FromSeconds(11)),
            CheckNewAnswer("b:-1", "c:1"), // batch at 23 s
            LastBatchStateRows(total: 1, updated: 1, removed: 1),
            AdvanceClock(TimeSpan.FromSeconds(12)),
            CheckNewAnswer("c:-1"), // batch at 35 s, no data
            LastBatchStateRows(total: 0, updated: 0, removed: 1));
    }

    // "flatMapGroupsWithState - streaming w/ event time timeout + watermark".
    [Fact]
    public async Task FlatMap_EventTimeTimeout_PassesWithTheWatermark()
    {
        var input = Session.CreateMemoryStream<(string, int)>();
        var result = input.ToDF()
            .Select(Col("_1").As("key"), Col("_2").Cast("timestamp").As("eventTime"))
            .WithWatermark("eventTime", "10 seconds")
            .GroupBy("key")
            .FlatMapGroupsWithState(new MaxEventTime(), OutputMode.Update, "key STRING, maxEventTime INT", GroupStateTimeout.EventTimeTimeout);
        await Session.TestStream(result, OutputMode.Update).Run(
            AddData(input, ("a", 11), ("a", 13), ("a", 15)),
            CheckNewAnswer("a:15"), // timeout of "a" at 20 s; the watermark becomes 5 s
            AddData(input, ("a", 4)),
            CheckNewAnswer(), // late: dropped by the watermark
            AddData(input, ("a", 10)),
            CheckNewAnswer("a:15"),
            AddData(input, ("b", 31)), // the watermark becomes 21 s: "a" times out
            CheckNewAnswer("a:-1", "b:31"));
    }

    // "mapGroupsWithState - streaming".
    [Fact]
    public async Task Map_Streaming_RunningCountAcrossRestarts()
    {
        var input = Session.CreateMemoryStream<string>();
        var result = Keyed(input).GroupBy("key").MapGroupsWithState(new MapCountOrMinusOne(), CountSchema);
        await Session.TestStream(result, OutputMode.Update).Run(
            AddData(input, "a"),
            CheckNewAnswer("a:1"),
            AssertNumStateRows(total: 1, updated: 1),
            AddData(input, "a", "b"),
            CheckNewAnswer("a:2", "b:1"),
            AssertNumStateRows(total: 2, updated: 2),
            StopStream,
            StartStream(),
            AddData(input, "a", "b"),
            CheckNewAnswer("a:-1", "b:2"),
            AssertNumStateRows(total: 1, updated: 1),
            StopStream,
            StartStream(),
            AddData(input, "a", "c"),
            CheckNewAnswer("a:1", "c:1"),
            AssertNumStateRows(total: 3, updated: 2));
    }

    // The same after rescaling: each group's state and timeout move with its key group.
    [Fact]
    public async Task Map_StateFollowsItsKeyGroupsWhenThePartitionCountChanges()
    {
        var input = Session.CreateMemoryStream<string>();
        var result = Keyed(input).GroupBy("key").MapGroupsWithState(new MapCountOrMinusOne(), CountSchema);
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
            CheckNewAnswer("a:-1", "e:2"));
    }

    // "mapGroupsWithState - batch": no state, timeout calls allowed (SPARK-20792), a primitive state type.
    [Fact]
    public async Task Map_Batch_WithAnEventTimeTimeoutAndNoWatermark()
    {
        var frame = Session.CreateDataFrame([["a"], ["a"], ["b"]], "key STRING");
        var rows = await frame.GroupBy("key").MapGroupsWithState(new MapGroupSize(), "key STRING, count INT", GroupStateTimeout.EventTimeTimeout).CollectAsync();
        Assert.Equal(["a:2", "b:1"], Scenario.Plain(rows).Order(StringComparer.Ordinal));
    }

    // "SPARK-29438: ensure UNION doesn't lead (flat)MapGroupsWithState to use shifted partition IDs": a union with another
    // stream, restarted with another partition count, keeps each group's state.
    [Fact]
    public async Task Map_InAUnion_KeepsItsStateAcrossARestartWithOtherPartitions()
    {
        var first = Session.CreateMemoryStream<string>();
        var second = Session.CreateMemoryStream<string>();
        var union = first.ToDF().Select(Col("value").As("key"), Col("value").As("count"))
            .Union(Keyed(second).GroupBy("key").MapGroupsWithState(new MapCountOrMinusOne(), CountSchema));
        await Session.TestStream(union, OutputMode.Update).Run(
            StartStream(options: new Dictionary<string, string> { ["numStatePartitions"] = "2" }),
            AddData(first, ["input1-a"], second, ["input2-a"]),
            CheckNewAnswer("input1-a:input1-a", "input2-a:1"),
            StopStream,
            StartStream(options: new Dictionary<string, string> { ["numStatePartitions"] = "3" }),
            AddData(first, ["input1-a"], second, ["input2-a", "input2-b"]),
            CheckNewAnswer("input1-a:input1-a", "input2-a:2", "input2-b:1"));
    }

    // "StateStore.abort on task failure handling": a failed epoch changes no state; the restarted query re-runs it.
    [Fact]
    public async Task Map_AFailedEpochChangesNoState()
    {
        var input = Session.CreateMemoryStream<string>();
        var result = Keyed(input).GroupBy("key").MapGroupsWithState(new FailingCount(), "key STRING, count BIGINT");
        FailingCount.Fail = false;
        try
        {
            await Session.TestStream(result, OutputMode.Update).Run(
                AddData(input, "a"),
                CheckNewAnswer("a:1"),
                AddData(input, "a"),
                CheckNewAnswer("a:2"),
                Execute(_ => { FailingCount.Fail = true; return Task.CompletedTask; }, "fail in the function"),
                AddData(input, "a"),
                ExpectFailure("expected failure"),
                Execute(_ => { FailingCount.Fail = false; return Task.CompletedTask; }, "stop failing"),
                StartStream(),
                CheckNewAnswer("a:3"));
        }
        finally
        {
            FailingCount.Fail = false;
        }
    }

    // "disallow complete mode".
    [Fact]
    public void CompleteMode_IsRefused()
    {
        var grouped = Keyed(Session.CreateMemoryStream<string>()).GroupBy("key");
        var e = Assert.Throws<ArgumentException>(() => grouped.FlatMapGroupsWithState(new CountUpToTwo(), OutputMode.Complete, CountSchema, GroupStateTimeout.NoTimeout));
        Assert.StartsWith("The output mode of function should be append or update", e.Message);
    }

    // "SPARK-20714: watermark does not fail query when timeout = ProcessingTimeTimeout" (and NoTimeout: the test runs the same query).
    [Fact]
    public async Task Watermark_DoesNotFailAProcessingTimeTimeoutQuery()
    {
        var (session, clock, dir) = await ClockedSessionAsync();
        await using var _ = session;
        using var __ = dir;
        var input = session.CreateMemoryStream<(string, long)>();
        var result = input.ToDF().Select(Col("_1").As("key"), Col("_2").Cast("timestamp").As("timestamp"))
            .WithWatermark("timestamp", "10 second")
            .GroupBy("key")
            .FlatMapGroupsWithState(new CountWithProcessingTimeout(), OutputMode.Update, CountSchema, GroupStateTimeout.ProcessingTimeTimeout);
        await session.TestStream(result, OutputMode.Update, new StreamTestOptions { Clock = clock }).Run(
            StartStream(Trigger.ProcessingTime("1 second")),
            AddData(input, ("a", 1L)),
            AdvanceClock(TimeSpan.FromSeconds(1)),
            CheckNewAnswer("a:1"));
    }

    private async Task<string> Refused(DataFrame frame, OutputMode mode)
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => frame.WriteStream.OutputMode(mode).Format("memory").QueryName("refused_" + Guid.NewGuid().ToString("N")).StartAsync());
        Assert.Empty(Session.Streams.Active);
        return ex.Message;
    }

    private GroupedData Grouped() => Keyed(Session.CreateMemoryStream<string>()).GroupBy("key");

    // UnsupportedOperationsSuite: "mapGroupsWithState - mapGroupsWithState on streaming relation without aggregation in
    // append/complete mode", "flatMapGroupsWithState - ... in update mode" with Append, "... in append mode" with Update,
    // "... in update mode" with aggregation, "flatMapGroupsWithState - ... after aggregation", "mapGroupsWithState ... with
    // aggregation", "multiple mapGroupsWithStates", "mixing mapGroupsWithStates and flatMapGroupsWithStates", "multiple
    // flatMapGroupsWithStates ... not all in append mode", and the event-time timeout without a watermark.
    [Fact]
    public async Task UnsupportedOperations_AreRefusedAtStartInSparksWords()
    {
        Assert.Contains("mapGroupsWithState is not supported with Append output mode on a streaming DataFrame/Dataset",
            await Refused(Grouped().MapGroupsWithState(new MapCountOrMinusOne(), CountSchema), OutputMode.Append));
        Assert.Contains("flatMapGroupsWithState in update mode is not supported with Append output mode on a streaming DataFrame/Dataset",
            await Refused(Grouped().FlatMapGroupsWithState(new CountUpToTwo(), OutputMode.Update, CountSchema, GroupStateTimeout.NoTimeout), OutputMode.Append));
        Assert.Contains("flatMapGroupsWithState in append mode is not supported with Update output mode on a streaming DataFrame/Dataset",
            await Refused(Grouped().FlatMapGroupsWithState(new CountUpToTwo(), OutputMode.Append, CountSchema, GroupStateTimeout.NoTimeout), OutputMode.Update));
        Assert.Contains("flatMapGroupsWithState in update mode is not supported with aggregation on a streaming DataFrame/Dataset",
            await Refused(Grouped().FlatMapGroupsWithState(new CountUpToTwo(), OutputMode.Update, CountSchema, GroupStateTimeout.NoTimeout).GroupBy("key").Count(), OutputMode.Complete));
        Assert.Contains("flatMapGroupsWithState in append mode is not supported after aggregation on a streaming DataFrame/Dataset",
            await Refused(Grouped().Agg(Max("key").As("count")).GroupBy("key").FlatMapGroupsWithState(new CountUpToTwo(), OutputMode.Append, CountSchema, GroupStateTimeout.NoTimeout), OutputMode.Append));
        Assert.Contains("mapGroupsWithState is not supported with aggregation on a streaming DataFrame/Dataset",
            await Refused(Grouped().MapGroupsWithState(new MapCountOrMinusOne(), CountSchema).GroupBy("key").Count(), OutputMode.Update));
        Assert.Contains("Multiple mapGroupsWithStates are not supported on a streaming DataFrames/Datasets",
            await Refused(Grouped().MapGroupsWithState(new MapCountOrMinusOne(), CountSchema).GroupBy("key").MapGroupsWithState(new MapCountOrMinusOne(), CountSchema), OutputMode.Update));
        Assert.Contains("Mixing mapGroupsWithStates and flatMapGroupsWithStates are not supported on a streaming DataFrames/Datasets",
            await Refused(Grouped().MapGroupsWithState(new MapCountOrMinusOne(), CountSchema).GroupBy("key")
                .FlatMapGroupsWithState(new CountUpToTwo(), OutputMode.Update, CountSchema, GroupStateTimeout.NoTimeout), OutputMode.Update));
        Assert.Contains("Multiple flatMapGroupsWithStates are not supported when they are not all in append mode or the output mode is not append",
            await Refused(Grouped().FlatMapGroupsWithState(new CountUpToTwo(), OutputMode.Update, CountSchema, GroupStateTimeout.NoTimeout).GroupBy("key")
                .FlatMapGroupsWithState(new CountUpToTwo(), OutputMode.Update, CountSchema, GroupStateTimeout.NoTimeout), OutputMode.Update));
        Assert.Contains("Watermark must be specified in the query using '[Dataset/DataFrame].withWatermark()' for using event-time timeout in a [map|flatMap]GroupsWithState. Event-time timeout not supported without watermark.",
            await Refused(Grouped().FlatMapGroupsWithState(new CountUpToTwo(), OutputMode.Update, CountSchema, GroupStateTimeout.EventTimeTimeout), OutputMode.Update));
    }

    // UnsupportedOperationsSuite: two flatMapGroupsWithStates in Append, in an Append query, run.
    [Fact]
    public async Task TwoFlatMapsInAppend_Run()
    {
        var input = Session.CreateMemoryStream<string>();
        var result = Keyed(input).GroupBy("key").FlatMapGroupsWithState(new CountUpToTwo(), OutputMode.Append, CountSchema, GroupStateTimeout.NoTimeout)
            .GroupBy("key").FlatMapGroupsWithState(new CountUpToTwo(), OutputMode.Append, CountSchema, GroupStateTimeout.NoTimeout);
        await Session.TestStream(result, OutputMode.Append).Run(
            AddData(input, "a"),
            CheckNewAnswer("a:1"),
            AddData(input, "a", "b"),
            CheckNewAnswer("a:2", "b:1"));
    }
}
