using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.Lookups;

/// <summary>
/// Live lookups of keyed state (issue 21 item 5): the partition owning a key answers its current row at the last committed
/// epoch; keys are checked against the grouping key; a scan is bounded.
/// </summary>
[Collection(SessionCollection.Name)]
public sealed class LookupTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    [Fact]
    public async Task Aggregation_AnswersEachGroupsCurrentRow_NullWhenAbsent_AndTheBatchFormInKeyOrder()
    {
        var input = Session.CreateMemoryStream<(string, long)>();
        var query = await input.ToDF().WithColumnRenamed("_1", "user").WithColumnRenamed("_2", "amount")
            .GroupBy("user").Agg(Count().As("n"), Sum(Col("amount")).As("total"))
            .WriteStream.Format("memory").OutputMode(OutputMode.Update).QueryName("lookup_aggregation").StartAsync();

        await input.AddDataAsync(("ann", 5L), ("bob", 1L), ("ann", 7L));
        await query.ProcessAllAvailableAsync();
        var ann = await query.LookupAsync("ann");
        Assert.NotNull(ann);
        Assert.Equal(("ann", 2L, 12L), (ann.Get<string>("user"), ann.Get<long>("n"), ann.Get<long>("total")));
        Assert.Null(await query.LookupAsync("cat"));

        await input.AddDataAsync(("bob", 10L), ("cat", 3L));
        await query.ProcessAllAvailableAsync();
        // Enough keys that they spread over every partition.
        var users = new[] { "cat", "nobody", "ann", "bob" }.Concat(Enumerable.Range(0, 40).Select(i => $"u{i}")).ToList();
        var rows = await query.LookupAsync(users.Select(u => new object?[] { u }));
        Assert.Equal(users.Count, rows.Count);
        Assert.Equal(["cat:1:3", "null", "ann:2:12", "bob:2:11"], rows.Take(4).Select(r => r is null ? "null" : $"{r["user"]}:{r["n"]}:{r["total"]}"));
        Assert.All(rows.Skip(4), Assert.Null);
        await query.StopAsync();
    }

    [Fact]
    public async Task WindowedAggregation_IsLookedUpByWindowStartAndEnd()
    {
        var input = Session.CreateMemoryStream<long>();
        var query = await input.ToDF().WithColumn("eventTime", Col("value").Cast("timestamp"))
            .GroupBy(Window(Col("eventTime"), "5 seconds").As("window")).Agg(Count().As("count"))
            .WriteStream.Format("memory").OutputMode(OutputMode.Complete).QueryName("lookup_windowed").StartAsync();

        await input.AddDataAsync(10L, 11L, 12L, 25L);
        await query.ProcessAllAvailableAsync();

        var row = await query.LookupAsync(Utc(10), Utc(15));
        Assert.NotNull(row);
        Assert.Equal(3L, row.Get<long>("count"));
        var window = row.Get<Row>("window");
        Assert.Equal((Utc(10), Utc(15)), (window.Get<DateTime>("start"), window.Get<DateTime>("end")));
        Assert.Equal(1L, (await query.LookupAsync(Utc(25), Utc(30)))!.Get<long>("count"));
        Assert.Null(await query.LookupAsync(Utc(15), Utc(20)));
        await query.StopAsync();
    }

    [Fact]
    public async Task Deduplication_AnswersWhetherAKeyWasSeen()
    {
        var input = Session.CreateMemoryStream<(string, int)>();
        var query = await input.ToDF().DropDuplicates("_1")
            .WriteStream.Format("memory").QueryName("lookup_dedup").StartAsync();

        await input.AddDataAsync(("a", 1), ("b", 2), ("a", 3));
        await query.ProcessAllAvailableAsync();

        Assert.Equal("a", (await query.LookupAsync("a"))!.Get<string>("_1"));
        Assert.NotNull(await query.LookupAsync("b"));
        Assert.Null(await query.LookupAsync("c"));
        await query.StopAsync();
    }

    [Fact]
    public async Task TransformWithState_AnswersItsValueStateVariablesByName()
    {
        var input = Session.CreateMemoryStream<string>();
        var query = await input.ToDF().Select(Col("value").As("key"), Col("value")).GroupBy("key")
            .TransformWithState(new Stateful.SparkTransformWithStateSuiteTests.RunningCountMostRecent(), "key STRING, count STRING, mostRecent STRING", OutputMode.Update, TimeMode.None)
            .WriteStream.Format("memory").OutputMode(OutputMode.Update).QueryName("lookup_tws").StartAsync();

        await input.AddDataAsync("a", "b");
        await query.ProcessAllAvailableAsync();
        await input.AddDataAsync("a");
        await query.ProcessAllAvailableAsync();

        var a = await query.LookupAsync("a");
        Assert.NotNull(a);
        Assert.Equal(["key", "countState", "mostRecent"], a.FieldNames);
        Assert.Equal(("a", "2", "\"a\""), (a.Get<string>("key"), a.Get<string>("countState"), a.Get<string>("mostRecent")));
        Assert.Equal("1", (await query.LookupAsync("b"))!.Get<string>("countState"));
        Assert.Null(await query.LookupAsync("c"));
        Assert.Equal(["a", "b"], (await query.ScanAsync(10)).Select(r => r.Get<string>("key")).Order());
        await query.StopAsync();
    }

    [Fact]
    public async Task TransformWithState_AnswersListAndMapVariables_AsJsonArraysAndObjects()
    {
        var (query, input) = await StartVisitsAsync("lookup_tws_collections",
            users => users.TransformWithState(new StateReader.StateReaderTests.VisitTracker(), "user STRING, count BIGINT", OutputMode.Update, TimeMode.ProcessingTime));
        await input.AddDataAsync(("u1", "home"));
        await query.ProcessAllAvailableAsync();

        var u1 = await query.LookupAsync("u1");
        Assert.NotNull(u1);
        Assert.Equal(["user", "count", "visits", "perPage"], u1.FieldNames);
        Assert.Equal("3", u1.Get<string>("count"));
        Assert.Equal(["home:1", "cart:2", "home:3"], Json(u1, "visits").EnumerateArray().Select(v => $"{v.GetProperty("Page")}:{v.GetProperty("Seq")}"));
        Assert.Equal(["cart=1", "home=2"], Json(u1, "perPage").EnumerateObject().Select(p => $"{p.Name}={p.Value}").Order(StringComparer.Ordinal));
        var u2 = (await query.LookupAsync("u2"))!;
        Assert.Equal(("1", "{\"cart\":1}"), (u2.Get<string>("count"), u2.Get<string>("perPage")));
        Assert.Null(await query.LookupAsync("u3"));
        await query.StopAsync();
    }

    [Fact]
    public async Task AsyncTransformWithState_AnswersItsVariablesLikeTheSynchronousOperator()
    {
        var (query, _) = await StartVisitsAsync("lookup_async_tws",
            users => users.TransformWithState(new StateReader.StateReaderTests.AsyncVisitTracker(), "user STRING, count BIGINT", OutputMode.Update, TimeMode.None));

        var u1 = await query.LookupAsync("u1");
        Assert.NotNull(u1);
        Assert.Equal(["user", "count", "visits"], u1.FieldNames);
        Assert.Equal("2", u1.Get<string>("count"));
        Assert.Equal(["home:1", "cart:2"], Json(u1, "visits").EnumerateArray().Select(v => $"{v.GetProperty("Page")}:{v.GetProperty("Seq")}"));
        Assert.Null(await query.LookupAsync("u3"));
        Assert.Equal(["u1", "u2"], (await query.ScanAsync(10)).Select(r => r.Get<string>("user")).Order());
        await query.StopAsync();
    }

    [Fact]
    public async Task MapGroupsWithState_AnswersEachGroupsStateAsJson_AndItsTimeout()
    {
        var input = Session.CreateMemoryStream<(string, long)>();
        var query = await input.ToDF().Select(Col("_1").As("word"), Col("_2").As("seconds")).GroupBy("word")
            .MapGroupsWithState(new StateReader.StateReaderTests.Sessionization(), "id STRING, durationMs BIGINT, numEvents INT, expired BOOLEAN", GroupStateTimeout.ProcessingTimeTimeout)
            .WriteStream.Format("memory").OutputMode(OutputMode.Update).QueryName("lookup_fmgws").StartAsync();

        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await input.AddDataAsync(("hello", 1L), ("world", 1L), ("hello", 2L));
        await query.ProcessAllAvailableAsync();
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var hello = await query.LookupAsync("hello");
        Assert.NotNull(hello);
        Assert.Equal(["word", "groupState", "timeoutTimestamp"], hello.FieldNames);
        var state = Json(hello, "groupState");
        Assert.Equal((2, 1000L, 2000L), (state.GetProperty("NumEvents").GetInt32(), state.GetProperty("StartTimestampMs").GetInt64(), state.GetProperty("EndTimestampMs").GetInt64()));
        // The batch's timestamp plus the function's 10 s.
        Assert.InRange(hello.Get<long>("timeoutTimestamp"), before + 10_000 - 1_000, after + 10_000);
        Assert.Equal(1, Json((await query.LookupAsync("world"))!, "groupState").GetProperty("NumEvents").GetInt32());
        Assert.Null(await query.LookupAsync("scala"));
        Assert.Equal(["hello", "world"], (await query.ScanAsync(10)).Select(r => r.Get<string>("word")).Order());
        await query.StopAsync();
    }

    // A transformWithState over users' page visits, to a memory sink, after its first epoch ("u1" home and cart, "u2" cart).
    private async Task<(StreamingQuery Query, MemoryStream<(string, string)> Input)> StartVisitsAsync(string name, Func<GroupedData, DataFrame> transform)
    {
        var input = Session.CreateMemoryStream<(string, string)>();
        var query = await transform(input.ToDF().Select(Col("_1").As("user"), Col("_2").As("page")).GroupBy("user"))
            .WriteStream.Format("memory").OutputMode(OutputMode.Update).QueryName(name).StartAsync();
        await input.AddDataAsync(("u1", "home"), ("u2", "cart"), ("u1", "cart"));
        await query.ProcessAllAvailableAsync();
        return (query, input);
    }

    private static System.Text.Json.JsonElement Json(Row row, string column) => System.Text.Json.JsonDocument.Parse(row.Get<string>(column)).RootElement;

    [Fact]
    public async Task WrongKeyShape_GetsAnErrorNamingExpectedAndGiven()
    {
        var input = Session.CreateMemoryStream<(string, long)>();
        var query = await input.ToDF().GroupBy("_1", "_2").Count()
            .WriteStream.Format("memory").OutputMode(OutputMode.Update).QueryName("lookup_wrong_key").StartAsync();
        await input.AddDataAsync(("a", 1L));
        await query.ProcessAllAvailableAsync();

        var arity = await Assert.ThrowsAsync<ArgumentException>(() => query.LookupAsync("a"));
        Assert.Contains("Lookup key 0 has 1 value (String a) but the state's key has 2: expected (_1 string, _2 bigint)", arity.Message);
        var type = await Assert.ThrowsAsync<ArgumentException>(() => query.LookupAsync("a", "1"));
        Assert.Contains("value 1 ('_2'): expected bigint but was given String 1", type.Message);
        // An int widens to bigint.
        Assert.Equal(1L, (await query.LookupAsync("a", 1))!.Get<long>("count"));
        var op = await Assert.ThrowsAsync<ArgumentException>(() => query.LookupAsync([new object?[] { "a", 1L }], new LookupOptions { OperatorId = 3 }));
        Assert.Contains("has no stateful operator 3", op.Message);
        await query.StopAsync();
    }

    [Fact]
    public async Task Scan_AnswersAtMostItsLimit()
    {
        var input = Session.CreateMemoryStream<int>();
        var query = await input.ToDF().GroupBy("value").Count()
            .WriteStream.Format("memory").OutputMode(OutputMode.Update).QueryName("lookup_scan").StartAsync();
        await input.AddDataAsync(Enumerable.Range(0, 25).ToArray());
        await query.ProcessAllAvailableAsync();

        Assert.Equal(10, (await query.ScanAsync(10)).Count);
        var all = await query.ScanAsync(1000);
        Assert.Equal(Enumerable.Range(0, 25), all.Select(r => r.Get<int>("value")).Order());
        Assert.All(all, r => Assert.Equal(1L, r.Get<long>("count")));
        var tooMany = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => query.ScanAsync(10_001));
        Assert.Contains("A scan answers 1 to 10000 rows; 10001 were asked for", tooMany.Message);
        await query.StopAsync();
    }

    private static DateTime Utc(long seconds) => DateTime.UnixEpoch.AddSeconds(seconds);
}
