using OrleansStream.Client.Tests.Infrastructure;
using OrleansStream.Grains.Hosting;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.StateReader;

/// <summary>
/// Spark's state data source (StateDataSourceReadSuite, StateDataSourceTransformWithStateSuite, StateMetadataSourceSuite,
/// StateDataSourceNegativeTestSuite): a stateful query runs to a checkpoint, then <c>Read.Format("statestore")</c> reads
/// its operator's state at the last committed and at an earlier batch as rows of key, value and partition_id (from every
/// state partition), and <c>Read.Format("state-metadata")</c> lists its operators. Rows print as Row.ToString: a struct is
/// "[field,field]".
/// </summary>
public abstract class StateReaderTests(SessionFixture fixture)
{
    protected StreamSession Session => fixture.Session;

    [Fact]
    public async Task Aggregation_ReadsTheBuffersOfEveryPartition_AtTheLastAndAnEarlierBatch()
    {
        var location = Location("agg");
        var input = Session.CreateMemoryStream<(string, long)>();
        var query = await Start(input.ToDF().GroupBy("_1").Agg(Count().As("cnt"), Sum("_2").As("total"), Max("_2").As("top")), OutputMode.Update, location);
        await Epoch(query, () => input.AddDataAsync(("a", 1), ("b", 2), ("a", 3)));
        await Epoch(query, () => input.AddDataAsync(("b", 5), ("c", 7)));
        await query.StopAsync();

        var last = await Session.Read.Format("statestore").Load(location).CollectAsync();
        Assert.Equal(["key", "value", "partition_id"], last[0].FieldNames);
        Assert.Equal(["_1"], ((Row)last[0][0]!).FieldNames);
        // Spark names the value columns by the aggregation buffers (value.count, value.sum, value.max).
        Assert.Equal(["count", "sum", "max"], ((Row)last[0][1]!).FieldNames);
        Assert.Equal(["[[a],[2,4,3]]", "[[b],[2,7,5]]", "[[c],[1,7,7]]"], KeyValue(last));
        Assert.Equal(["[[a],[2,4,3]]", "[[b],[1,2,2]]"], KeyValue(await Session.Read.Format("statestore").Option("batchId", 0).Load(location).CollectAsync()));
        // Two state partitions: each key is read from the partition that owns its key group.
        Assert.All(last, r => Assert.InRange((int)r[2]!, 0, 1));
    }

    // StateDataSourceReadSuite's runLargeDataStreamingAggregationQuery and verifyLargeDataStreamingAggregationQuery: the
    // state at batch 2, selected as Spark selects it (key.groupKey, value.count, value.sum, value.max, value.min).
    [Fact]
    public async Task SparkLargeDataAggregation_ReadAtEachBatch_GivesSparksRows()
    {
        var location = Location("spark-large");
        var input = Session.CreateMemoryStream<int>();
        var df = input.ToDF().SelectExpr("value", "value % 10 AS groupKey").GroupBy("groupKey")
            .Agg(Count().As("cnt"), Sum("value").As("sum"), Max("value").As("max"), Min("value").As("min"));
        var query = await Start(df, OutputMode.Update, location);
        await Epoch(query, () => input.AddDataAsync([.. Enumerable.Range(0, 20)]));
        await Epoch(query, () => input.AddDataAsync([.. Enumerable.Range(20, 20)]));
        await query.StopAsync();
        query = await Start(df, OutputMode.Update, location);
        await Epoch(query, () => input.AddDataAsync(0, 1, 2));
        await query.StopAsync();

        async Task<string[]> At(long batchId) => Scenario.Plain(await Session.Read.Format("statestore").Option("batchId", batchId).Option("operatorId", 0).Load(location)
            .SelectExpr("key.groupKey AS key_groupKey", "value.count AS value_cnt", "value.sum AS value_sum", "value.max AS value_max", "value.min AS value_min")
            .CollectAsync()).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["0:5:60:30:0", "1:5:65:31:1", "2:5:70:32:2", "3:4:72:33:3", "4:4:76:34:4", "5:4:80:35:5", "6:4:84:36:6", "7:4:88:37:7", "8:4:92:38:8", "9:4:96:39:9"], await At(2));
        Assert.Equal(["0:4:60:30:0", "1:4:64:31:1", "2:4:68:32:2", "3:4:72:33:3", "4:4:76:34:4", "5:4:80:35:5", "6:4:84:36:6", "7:4:88:37:7", "8:4:92:38:8", "9:4:96:39:9"], await At(1));
        Assert.Equal(["0:2:10:10:0", "1:2:12:11:1", "2:2:14:12:2", "3:2:16:13:3", "4:2:18:14:4", "5:2:20:15:5", "6:2:22:16:6", "7:2:24:17:7", "8:2:26:18:8", "9:2:28:19:9"], await At(0));
    }

    [Fact]
    public async Task Aggregation_AfterARescale_ReadsEachBatchFromThePartitionsThatWroteIt()
    {
        var location = Location("rescale");
        var input = Session.CreateMemoryStream<string>();
        var df = input.ToDF().GroupBy("value").Count();
        var query = await Start(df, OutputMode.Update, location);
        await Epoch(query, () => input.AddDataAsync("a", "b", "c", "d"));
        await query.StopAsync();
        query = await df.WriteStream.Format("noop").OutputMode(OutputMode.Update).Option("checkpointLocation", location).Option("numStatePartitions", "3").StartAsync();
        await Epoch(query, () => input.AddDataAsync("a", "e"));
        await query.StopAsync();

        var last = await Session.Read.Format("statestore").Load(location).CollectAsync();
        Assert.Equal(["[[a],[2]]", "[[b],[1]]", "[[c],[1]]", "[[d],[1]]", "[[e],[1]]"], KeyValue(last));
        Assert.All(last, r => Assert.InRange((int)r[2]!, 0, 2));
        var first = await Session.Read.Format("statestore").Option("batchId", 0).Load(location).CollectAsync();
        Assert.Equal(["[[a],[1]]", "[[b],[1]]", "[[c],[1]]", "[[d],[1]]"], KeyValue(first));
        Assert.All(first, r => Assert.InRange((int)r[2]!, 0, 1));
        Assert.Equal("[0,stateStoreSave,default,3,1,1,]", $"[{string.Join(",", Assert.Single(await Session.Read.Format("state-metadata").Load(location).CollectAsync()).Values)}]");
    }

    [Fact]
    public async Task Aggregation_WhileTheQueryRuns_ReadsTheLastCommittedBatch()
    {
        var location = Location("agg-running");
        var input = Session.CreateMemoryStream<string>();
        var query = await Start(input.ToDF().GroupBy("value").Count(), OutputMode.Complete, location);
        await Epoch(query, () => input.AddDataAsync("x", "y", "x"));
        Assert.Equal(["[[x],[2]]", "[[y],[1]]"], KeyValue(await Session.Read.Format("statestore").Load(location).CollectAsync()));
        await Epoch(query, () => input.AddDataAsync("y"));
        Assert.Equal(["[[x],[2]]", "[[y],[2]]"], KeyValue(await Session.Read.Format("statestore").Load(location).CollectAsync()));
        Assert.True(query.IsActive);
        await query.StopAsync();
    }

    [Fact]
    public async Task WindowedAggregation_KeysAreTheWindowAndTheGroup_AndEvictedWindowsAreGone()
    {
        var location = Location("window");
        var input = Session.CreateMemoryStream<(DateTime, string)>();
        var df = input.ToDF().WithWatermark("_1", "10 seconds").GroupBy(Window(Col("_1"), "10 seconds"), Col("_2")).Count();
        var query = await Start(df, OutputMode.Append, location);
        await Epoch(query, () => input.AddDataAsync((At(1), "a"), (At(2), "a"), (At(12), "b")));
        // Watermark 22 - 10 = 12 s: the window [0, 10) is final and evicted in the next epoch.
        await Epoch(query, () => input.AddDataAsync((At(22), "c")));
        await Epoch(query, () => input.AddDataAsync((At(23), "c")));
        await query.StopAsync();

        Assert.Equal(["[[[1970-01-01 00:00:00,1970-01-01 00:00:10],a],[2]]", "[[[1970-01-01 00:00:10,1970-01-01 00:00:20],b],[1]]"],
            KeyValue(await Session.Read.Format("statestore").Option("batchId", 0).Load(location).CollectAsync()));
        Assert.Equal(["[[[1970-01-01 00:00:10,1970-01-01 00:00:20],b],[1]]", "[[[1970-01-01 00:00:20,1970-01-01 00:00:30],c],[2]]"],
            KeyValue(await Session.Read.Format("statestore").Load(location).CollectAsync()));
    }

    [Fact]
    public async Task WindowedAggregation_TheWindowIsAStructInTheKey()
    {
        var location = Location("window-names");
        var input = Session.CreateMemoryStream<(DateTime, string)>();
        var df = input.ToDF().WithWatermark("_1", "10 seconds").GroupBy(Window(Col("_1"), "10 seconds"), Col("_2").As("user")).Agg(Count().As("n"));
        var query = await Start(df, OutputMode.Update, location);
        await Epoch(query, () => input.AddDataAsync((At(1), "a")));
        await query.StopAsync();
        var key = (Row)Assert.Single(await Session.Read.Format("statestore").Load(location).CollectAsync())[0]!;
        Assert.Equal(["window", "user"], key.FieldNames);
        Assert.Equal(["start", "end"], ((Row)key[0]!).FieldNames);
        Assert.Equal(At(10), ((Row)key[0]!)[1]);
    }

    [Fact]
    public async Task SessionWindowAggregation_KeysAreTheSessionAndTheGroup()
    {
        var location = Location("session");
        var input = Session.CreateMemoryStream<(DateTime, string)>();
        var df = input.ToDF().WithWatermark("_1", "30 seconds").GroupBy(SessionWindow(Col("_1"), "5 seconds"), Col("_2").As("user")).Agg(Count().As("n"));
        var query = await Start(df, OutputMode.Append, location);
        await Epoch(query, () => input.AddDataAsync((At(1), "a"), (At(3), "a"), (At(20), "a"), (At(2), "b")));
        await query.StopAsync();
        var rows = await Session.Read.Format("statestore").Load(location).CollectAsync();
        Assert.Equal(["session_window", "user"], ((Row)rows[0][0]!).FieldNames);
        Assert.Equal(["[[[1970-01-01 00:00:01,1970-01-01 00:00:08],a],[2]]", "[[[1970-01-01 00:00:02,1970-01-01 00:00:07],b],[1]]", "[[[1970-01-01 00:00:20,1970-01-01 00:00:25],a],[1]]"],
            KeyValue(rows));
    }

    [Fact]
    public async Task Deduplication_ReadsTheKeysSeen_WithTheirExpiry()
    {
        var location = Location("dedup");
        var input = Session.CreateMemoryStream<string>();
        var query = await Start(input.ToDF().DropDuplicates(), OutputMode.Append, location);
        await Epoch(query, () => input.AddDataAsync("a", "b", "a"));
        await Epoch(query, () => input.AddDataAsync("c", "a"));
        await query.StopAsync();

        // Without a watermark a key never expires: expiresAtMicros is null.
        Assert.Equal(["[[a],[null]]", "[[b],[null]]", "[[c],[null]]"], KeyValue(await Session.Read.Format("statestore").Load(location).CollectAsync()));
        Assert.Equal(["[[a],[null]]", "[[b],[null]]"], KeyValue(await Session.Read.Format("statestore").Option("batchId", 0).Load(location).CollectAsync()));
    }

    [Fact]
    public async Task StreamStreamJoin_ReadsEachSidesBufferedRows()
    {
        var location = Location("join");
        var left = Session.CreateMemoryStream<(string, long)>();
        var right = Session.CreateMemoryStream<(string, long)>();
        var df = left.ToDF().Select(Col("_1").As("key"), Col("_2").As("lv")).Join(right.ToDF().Select(Col("_1").As("key"), Col("_2").As("rv")), "key");
        var query = await Start(df, OutputMode.Append, location);
        await Epoch(query, () => left.AddDataAsync(("a", 1), ("b", 2)));
        await Epoch(query, () => right.AddDataAsync(("a", 10), ("c", 30)));
        await query.StopAsync();

        DataFrame Side(string side, long? batch = null)
        {
            var reader = Session.Read.Format("statestore").Option("joinSide", side);
            return (batch is { } b ? reader.Option("batchId", b) : reader).Load(location);
        }
        var leftRows = await Side("left").CollectAsync();
        Assert.Equal(["key", "lv"], ((Row)leftRows[0][1]!).FieldNames);
        Assert.Equal(["[[a],[a,1]]", "[[b],[b,2]]"], KeyValue(leftRows));
        Assert.Equal(["[[a],[a,10]]", "[[c],[c,30]]"], KeyValue(await Side("right").CollectAsync()));
        Assert.Empty(await Side("right", 0).CollectAsync());
        Assert.Equal(["[[a],[a,1]]", "[[b],[b,2]]"], KeyValue(await Side("left", 0).CollectAsync()));
    }

    /// <summary>A visit of a page, kept in list state as a record (decoded to a struct).</summary>
    public sealed record Visit(string Page, long Seq);

    /// <summary>Counts each user's visits (value state), keeps them (list state), counts per page (map state) and keeps a
    /// timer per visit at a fixed far-future time.</summary>
    public sealed class VisitTracker : StatefulProcessor
    {
        private StatefulProcessorHandle _handle = null!;
        private IValueState<long> _count = null!;
        private IListState<Visit> _visits = null!;
        private IMapState<string, long> _perPage = null!;

        public override void Init(StatefulProcessorHandle handle)
        {
            _handle = handle;
            _count = handle.GetValueState<long>("count");
            _visits = handle.GetListState<Visit>("visits");
            _perPage = handle.GetMapState<string, long>("perPage");
        }

        public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
        {
            foreach (var row in rows)
            {
                var count = _count.Get() + 1;
                _count.Update(count);
                var page = (string)row[1]!;
                _visits.AppendValue(new Visit(page, count));
                _perPage.UpdateValue(page, _perPage.GetValue(page) + 1);
                _handle.RegisterTimer(4_000_000_000_000L + count);
            }
            return [new Row([key[0], _count.Get()], ["user", "count"])];
        }
    }

    [Fact]
    public async Task TransformWithState_ReadsValueListMapAndTimers_DecodedToTheVariablesTypes()
    {
        var location = Location("tws");
        await RunVisitsAsync(location, users => users.TransformWithState(new VisitTracker(), "user STRING, count BIGINT", OutputMode.Update, TimeMode.ProcessingTime));
        Task<IReadOnlyList<Row>> Read(Func<DataFrameReader, DataFrameReader> options) => ReadState(location, options);

        await AssertVisitCounts(location);
        // Lists: one row per element (list_element), or the whole list per key (list_value).
        var visits = await Read(r => r.Option("stateVarName", "visits"));
        Assert.Equal(["key", "list_element", "partition_id"], visits[0].FieldNames);
        Assert.Equal(["[[u1],[cart,2]]", "[[u1],[home,1]]", "[[u1],[home,3]]", "[[u2],[cart,1]]"], Plain(visits));
        var lists = await Read(r => r.Option("stateVarName", "visits").Option("flattenCollectionTypes", false));
        Assert.Equal(["key", "list_value", "partition_id"], lists[0].FieldNames);
        Assert.Equal(["[u1]:[home,1] [cart,2] [home,3]", "[u2]:[cart,1]"],
            lists.Select(r => $"{r[0]}:{string.Join(" ", ((IEnumerable<object?>)r[1]!).Select(v => v?.ToString()))}").Order(StringComparer.Ordinal));
        // Maps: one row per entry (user_map_key, user_map_value), or the map per key (map_value).
        var perPage = await Read(r => r.Option("stateVarName", "perPage"));
        Assert.Equal(["key", "user_map_key", "user_map_value", "partition_id"], perPage[0].FieldNames);
        Assert.Equal(["[[u1],cart,1]", "[[u1],home,2]", "[[u2],cart,1]"], Plain(perPage));
        Assert.Equal(["[[u1],cart,1]", "[[u1],home,1]", "[[u2],cart,1]"], Plain(await Read(r => r.Option("stateVarName", "perPage").Option("batchId", 0))));
        var maps = await Read(r => r.Option("stateVarName", "perPage").Option("flattenCollectionTypes", false));
        Assert.Equal(["key", "map_value", "partition_id"], maps[0].FieldNames);
        Assert.Equal(["[u1]:cart=1 home=2", "[u2]:cart=1"], maps.Select(r =>
            $"{r[0]}:{string.Join(" ", ((System.Collections.IEnumerable)r[1]!).Cast<object>().Select(e => e is KeyValuePair<object, object?> kv ? $"{kv.Key}={kv.Value}" : e.ToString()))}").Order(StringComparer.Ordinal));
        // Timers: their expiration in ms.
        var timers = await Read(r => r.Option("readRegisteredTimers", true));
        Assert.Equal(["key", "expiration_timestamp_ms", "partition_id"], timers[0].FieldNames);
        Assert.Equal(["[[u1],4000000000001]", "[[u1],4000000000002]", "[[u1],4000000000003]", "[[u2],4000000000001]"], Plain(timers));

        var metadata = await Session.Read.Format("state-metadata").Load(location).CollectAsync();
        var row = Assert.Single(metadata);
        Assert.Equal(["operatorId", "operatorName", "stateStoreName", "numPartitions", "minBatchId", "maxBatchId", "operatorProperties"], row.FieldNames);
        Assert.Equal("[0,transformWithStateExec,default,2,0,1]", $"[{string.Join(",", row.Values.Take(6))}]");
        Assert.Equal("""{"timeMode":"ProcessingTime","stateVariables":[{"stateName":"count","stateVariableType":"ValueState","ttlEnabled":false},{"stateName":"visits","stateVariableType":"ListState","ttlEnabled":false},{"stateName":"perPage","stateVariableType":"MapState","ttlEnabled":false}]}""", row[6]);
    }

    /// <summary>Spark's SessionInfo (StateDataSourceTestBase): a session's event count and first and last event time.</summary>
    public sealed record SessionInfo(int NumEvents, long StartTimestampMs, long EndTimestampMs);

    /// <summary>Spark's sessionization mapGroupsWithState (StateDataSourceTestBase.runFlatMapGroupsWithStateQuery) over rows of
    /// a word and its event time in seconds: each word's session, timing out 10 s after its last batch.</summary>
    public sealed class Sessionization : MapGroupsWithStateFunction<SessionInfo>
    {
        public override Row Call(Row key, IEnumerable<Row> rows, GroupState<SessionInfo> state)
        {
            string[] names = ["id", "durationMs", "numEvents", "expired"];
            if (state.HasTimedOut)
            {
                var last = state.Get();
                state.Remove();
                return new Row([key[0], last.EndTimestampMs - last.StartTimestampMs, last.NumEvents, true], names);
            }
            var times = rows.Select(r => r.Get<long>("seconds") * 1000).ToList();
            var session = state.GetOption() is { } old
                ? old with { NumEvents = old.NumEvents + times.Count, EndTimestampMs = Math.Max(old.EndTimestampMs, times.Max()) }
                : new SessionInfo(times.Count, times.Min(), times.Max());
            state.Update(session);
            state.SetTimeoutDuration("10 seconds");
            return new Row([key[0], session.EndTimestampMs - session.StartTimestampMs, session.NumEvents, false], names);
        }
    }

    [Fact]
    public async Task MapGroupsWithState_ReadsEachGroupsStateDecoded_AndItsTimeout_AsSparksSessionizationRows()
    {
        var location = Location("fmgws");
        var input = Session.CreateMemoryStream<(string, long)>();
        var df = input.ToDF().Select(Col("_1").As("word"), Col("_2").As("seconds")).GroupBy("word")
            .MapGroupsWithState(new Sessionization(), "id STRING, durationMs BIGINT, numEvents INT, expired BOOLEAN", GroupStateTimeout.ProcessingTimeTimeout);
        var query = await Start(df, OutputMode.Update, location);
        // Spark's two batches, its lines split into words: ("hello world", 1), ("hello scala", 2), then 3 and 4.
        await Epoch(query, () => input.AddDataAsync(("hello", 1L), ("world", 1L), ("hello", 2L), ("scala", 2L)));
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Epoch(query, () => input.AddDataAsync(("hello", 3L), ("world", 3L), ("hello", 4L), ("scala", 4L)));
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await query.StopAsync();

        var rows = await Session.Read.Format("statestore").Load(location).CollectAsync();
        Assert.Equal(["key", "value", "partition_id"], rows[0].FieldNames);
        Assert.Equal(["groupState", "timeoutTimestamp"], ((Row)rows[0][1]!).FieldNames);
        Assert.Equal(["NumEvents", "StartTimestampMs", "EndTimestampMs"], ((Row)((Row)rows[0][1]!)[0]!).FieldNames);
        // Spark's rows: key, numEvents, startTimestampMs, endTimestampMs (its timeout, 12000, is its manual clock's 2 s + 10 s).
        Assert.Equal(["[hello,4,1000,4000]", "[scala,2,2000,4000]", "[world,2,1000,3000]"], Sessions(rows));
        // Every group was updated in batch 1, so its timeout is that batch's timestamp plus 10 s.
        var timeouts = rows.Select(r => ((Row)r[1]!).Get<long>("timeoutTimestamp")).Distinct().ToList();
        var timeout = Assert.Single(timeouts);
        Assert.InRange(timeout, before + 10_000 - 1_000, after + 10_000);
        Assert.Equal(["[hello,2,1000,2000]", "[scala,1,2000,2000]", "[world,1,1000,1000]"], Sessions(await Session.Read.Format("statestore").Option("batchId", 0).Load(location).CollectAsync()));

        var metadata = Assert.Single(await Session.Read.Format("state-metadata").Load(location).CollectAsync());
        Assert.Equal("[0,flatMapGroupsWithState,default,2,0,1]", $"[{string.Join(",", metadata.Values.Take(6))}]");

        // "[key,numEvents,start,end]" per row, sorted.
        static string[] Sessions(IReadOnlyList<Row> rows) =>
            [.. rows.Select(r => $"[{((Row)r[0]!)[0]},{string.Join(",", ((Row)((Row)r[1]!)[0]!).Values)}]").Order(StringComparer.Ordinal)];
    }

    /// <summary>An asynchronous processor with a value and a list variable (the keys handled concurrently).</summary>
    public sealed class AsyncVisitTracker : AsyncStatefulProcessor
    {
        private IValueState<long> _count = null!;
        private IListState<Visit> _visits = null!;

        public override void Init(StatefulProcessorHandle handle)
        {
            _count = handle.GetValueState<long>("count");
            _visits = handle.GetListState<Visit>("visits");
        }

        public override async IAsyncEnumerable<Row> HandleInputRowsAsync(Row key, IReadOnlyList<Row> rows, TimerValues timerValues,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Delay(5, cancellationToken);
            foreach (var row in rows)
            {
                var count = _count.Get() + 1;
                _count.Update(count);
                _visits.AppendValue(new Visit((string)row[1]!, count));
            }
            yield return new Row([key[0], _count.Get()], ["user", "count"]);
        }
    }

    [Fact]
    public async Task AsyncTransformWithState_ReadsLikeTheSynchronousOperator()
    {
        var location = Location("async-tws");
        await RunVisitsAsync(location, users => users.TransformWithState(new AsyncVisitTracker(), "user STRING, count BIGINT", OutputMode.Update, TimeMode.None));

        await AssertVisitCounts(location);
        Assert.Equal(["[[u1],[cart,2]]", "[[u1],[home,1]]", "[[u1],[home,3]]", "[[u2],[cart,1]]"], Plain(await ReadState(location, r => r.Option("stateVarName", "visits"))));

        var metadata = Assert.Single(await Session.Read.Format("state-metadata").Load(location).CollectAsync());
        Assert.Equal("[0,transformWithStateExec,default,2,0,1]", $"[{string.Join(",", metadata.Values.Take(6))}]");
        Assert.Equal("""{"timeMode":"None","stateVariables":[{"stateName":"count","stateVariableType":"ValueState","ttlEnabled":false},{"stateName":"visits","stateVariableType":"ListState","ttlEnabled":false}]}""", metadata[6]);
    }

    [Fact]
    public async Task StateMetadata_ListsEveryStatefulOperator_InOperatorIdOrder()
    {
        var location = Location("meta");
        var left = Session.CreateMemoryStream<(string, long)>();
        var right = Session.CreateMemoryStream<(string, long)>();
        var df = left.ToDF().Select(Col("_1").As("key"), Col("_2").As("lv")).Join(right.ToDF().Select(Col("_1").As("key"), Col("_2").As("rv")), "key")
            .DropDuplicates("key");
        var query = await Start(df, OutputMode.Append, location);
        await Epoch(query, () => left.AddDataAsync(("a", 1)));
        await Epoch(query, () => right.AddDataAsync(("a", 2)));
        await query.StopAsync();

        var rows = await Session.Read.Format("state-metadata").Load(location).CollectAsync();
        Assert.Equal(["[0,symmetricHashJoin,default,2,0,1,{\"joinSides\":[\"left\",\"right\"]}]", "[1,dedupe,default,2,0,1,]"],
            rows.Select(r => $"[{string.Join(",", r.Values)}]"));
        // operatorId 1 is the deduplication after the join.
        Assert.Equal(["[[a],[null]]"], KeyValue(await Session.Read.Format("statestore").Option("operatorId", 1).Load(location).CollectAsync()));
    }

    [Fact]
    public async Task Errors_NameTheOptionOrTheMissingStateInSparksWords()
    {
        var location = Location("errors");
        var input = Session.CreateMemoryStream<string>();
        var query = await Start(input.ToDF().GroupBy("value").Count(), OutputMode.Update, location);
        await Epoch(query, () => input.AddDataAsync("a"));
        await query.StopAsync();

        await Fails("[STDS_COMMITTED_BATCH_UNAVAILABLE] No committed batch found, checkpoint location: " + Location("nothing-here"), Session.Read.Format("statestore").Load(Location("nothing-here")));
        await Fails("[STDS_OFFSET_LOG_UNAVAILABLE] The offset log for 5 does not exist, checkpoint location: " + location, Session.Read.Format("statestore").Option("batchId", 5).Load(location));
        await Fails("[STDS_INVALID_OPTION_VALUE.IS_NEGATIVE] Invalid value for source option 'batchId': cannot be negative.", Session.Read.Format("statestore").Option("batchId", -1).Load(location));
        await Fails("[STDS_INVALID_OPTION_VALUE.WITH_MESSAGE] Invalid value for source option 'operatorId': operator 3 does not exist; the query has 1 stateful operator(s): 0 (stateStoreSave)",
            Session.Read.Format("statestore").Option("operatorId", 3).Load(location));
        await Fails("[STDS_INVALID_OPTION_VALUE.WITH_MESSAGE] Invalid value for source option 'joinSide': Valid values are left,right,none", Session.Read.Format("statestore").Option("joinSide", "both").Load(location));
        await Fails("[STDS_CONFLICT_OPTIONS] The options ['joinSide', 'storeName'] cannot be specified together.", Session.Read.Format("statestore").Option("joinSide", "right").Option("storeName", "right-keyToNumValues").Load(location));
        await Fails("[STDS_INVALID_OPTION_VALUE.WITH_MESSAGE] Invalid value for source option 'stateVarName': state variables exist only in a transformWithState operator",
            Session.Read.Format("statestore").Option("stateVarName", "count").Load(location));
        await Fails("[STDS_REQUIRED_OPTION_UNSPECIFIED] 'path' must be specified.", Session.Read.Format("statestore").Load());
        var stream = await Assert.ThrowsAnyAsync<Exception>(() => Session.ReadStream.Format("statestore").Load(location).WriteStream.Format("noop").StartAsync());
        Assert.Contains("Data source 'statestore' does not support streamed reading", stream.Message, StringComparison.Ordinal);

        var stateless = Location("stateless");
        var other = Session.CreateMemoryStream<string>();
        var select = await Start(other.ToDF().Select(Col("value")), OutputMode.Append, stateless);
        await Epoch(select, () => other.AddDataAsync("a"));
        await select.StopAsync();
        await Fails("[STDS_FAILED_TO_READ_STATE_SCHEMA] Failed to read the state schema.", Session.Read.Format("statestore").Load(stateless));

        var tws = Location("errors-tws");
        var users = Session.CreateMemoryStream<(string, string)>();
        var visits = await Start(users.ToDF().Select(Col("_1").As("user"), Col("_2").As("page")).GroupBy("user")
            .TransformWithState(new VisitTracker(), "user STRING, count BIGINT", OutputMode.Update, TimeMode.ProcessingTime), OutputMode.Update, tws);
        await Epoch(visits, () => users.AddDataAsync(("u1", "home")));
        await visits.StopAsync();
        await Fails("[STDS_REQUIRED_OPTION_UNSPECIFIED] 'stateVarName' must be specified.", Session.Read.Format("statestore").Load(tws));
        await Fails("Invalid value for source option 'stateVarName': the processor declares no state variable 'nope'; it declares 'count', 'perPage', 'visits'",
            Session.Read.Format("statestore").Option("stateVarName", "nope").Load(tws));
        await Fails("[STDS_CONFLICT_OPTIONS] The options ['readRegisteredTimers', 'stateVarName'] cannot be specified together.",
            Session.Read.Format("statestore").Option("stateVarName", "count").Option("readRegisteredTimers", true).Load(tws));
    }

    // Two epochs of users' page visits ("u1" home, cart, home; "u2" cart) through a transformWithState over users.
    private async Task RunVisitsAsync(string location, Func<GroupedData, DataFrame> transform)
    {
        var input = Session.CreateMemoryStream<(string, string)>();
        var query = await Start(transform(input.ToDF().Select(Col("_1").As("user"), Col("_2").As("page")).GroupBy("user")), OutputMode.Update, location);
        await Epoch(query, () => input.AddDataAsync(("u1", "home"), ("u2", "cart"), ("u1", "cart")));
        await Epoch(query, () => input.AddDataAsync(("u1", "home")));
        await query.StopAsync();
    }

    // The visit processors' "count" value variable, at the last and the first batch.
    private async Task AssertVisitCounts(string location)
    {
        var count = await ReadState(location, r => r.Option("stateVarName", "count"));
        Assert.Equal(["key", "value", "partition_id"], count[0].FieldNames);
        Assert.Equal(["[[u1],3]", "[[u2],1]"], Plain(count));
        Assert.Equal(["[[u1],2]", "[[u2],1]"], Plain(await ReadState(location, r => r.Option("stateVarName", "count").Option("batchId", 0))));
    }

    private Task<IReadOnlyList<Row>> ReadState(string location, Func<DataFrameReader, DataFrameReader> options) =>
        options(Session.Read.Format("statestore")).Load(location).CollectAsync();

    // "[columns but partition_id]" per row, sorted.
    private static string[] Plain(IReadOnlyList<Row> rows) => [.. rows.Select(r => $"[{string.Join(",", r.Values.Take(r.Count - 1))}]").Order(StringComparer.Ordinal)];

    private string Location(string name) => $"state-reader-{GetType().Name}-{name}";

    private static DateTime At(int seconds) => DateTime.UnixEpoch.AddSeconds(seconds);

    private static Task<StreamingQuery> Start(DataFrame df, OutputMode mode, string location) =>
        df.WriteStream.Format("noop").OutputMode(mode).Option("checkpointLocation", location).Option("numStatePartitions", "2").StartAsync();

    private static async Task Epoch(StreamingQuery query, Func<Task> add)
    {
        await add();
        await query.ProcessAllAvailableAsync();
    }

    private static async Task Fails(string expected, DataFrame read)
    {
        var e = await Assert.ThrowsAnyAsync<Exception>(() => read.CollectAsync());
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    // "[key,value]" per row, sorted: the key and value structs as Row.ToString prints them.
    private static string[] KeyValue(IReadOnlyList<Row> rows) => [.. rows.Select(r => $"[{r[0]},{r[1]}]").Order(StringComparer.Ordinal)];
}

/// <summary>The state of a query that another session ran and stopped: read from the checkpoint alone.</summary>
public sealed class StateReaderAcrossSessionsTests
{
    [Fact]
    public async Task ANewSession_ReadsTheStateTheLastOneCommitted_WithoutStartingTheQuery()
    {
        using var dir = new TempDirectory();
        await using (var first = await StreamSession.StartLocalAsync(new EmbeddedSiloOptions { DataDirectory = dir.Path }))
        {
            var input = first.CreateMemoryStream<string>();
            var query = await input.ToDF().GroupBy("value").Count().WriteStream.Format("noop").OutputMode(OutputMode.Update)
                .Option("checkpointLocation", "counts").StartAsync();
            await input.AddDataAsync("a", "b", "a");
            await query.ProcessAllAvailableAsync();
            await query.StopAsync();
        }
        await using var second = await StreamSession.StartLocalAsync(new EmbeddedSiloOptions { DataDirectory = dir.Path });
        var rows = await second.Read.Format("statestore").Load("counts").CollectAsync();
        Assert.Equal(["[a]:[2]", "[b]:[1]"], rows.Select(r => $"{r[0]}:{r[1]}").Order(StringComparer.Ordinal));
        Assert.Empty(second.Streams.Active);
    }
}

[Collection(SessionCollection.Name)]
public sealed class StateReaderOnFileSystem(SessionFixture fixture) : StateReaderTests(fixture);

[Collection(BlobSessionCollection.Name)]
public sealed class StateReaderOnAzureBlob(BlobSessionFixture fixture) : StateReaderTests(fixture);
