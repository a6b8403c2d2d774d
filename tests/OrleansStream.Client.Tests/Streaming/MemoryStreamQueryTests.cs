using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.Streaming;

public abstract class MemoryStreamQueryTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    [Fact]
    public async Task ProjectionAndFilter_AcrossEpochs_AppendsEachNewRowOnce()
    {
        var input = Session.CreateMemoryStream<int>();
        var query = await input.ToDF()
            .Where(Col("value") % 2 == 0)
            .Select((Col("value") * 10).As("tens"), Col("value"))
            .WriteStream.Format("memory").QueryName("evens_x10").StartAsync();

        await input.AddDataAsync(1, 2, 3, 4);
        await query.ProcessAllAvailableAsync();
        Assert.Equal([20, 40], (await Session.Table("evens_x10").CollectAsync()).Select(r => r.Get<int>("tens")));

        await input.AddDataAsync(5, 6);
        await query.ProcessAllAvailableAsync();
        var rows = await Session.Table("evens_x10").CollectAsync();
        Assert.Equal([20, 40, 60], rows.Select(r => r.Get<int>(0)));
        Assert.Equal([2, 4, 6], rows.Select(r => r.Get<int>("value")));
        Assert.Equal(1, query.LastProgress!.BatchId);
        Assert.Equal(2, query.LastProgress.NumInputRows);
        Assert.Equal(1, query.LastProgress.Sink.NumOutputRows);
        await query.StopAsync();
        Assert.False(query.IsActive);
    }

    [Fact]
    public async Task Progress_SerialisesWithSparkFieldNames()
    {
        var input = Session.CreateMemoryStream<long>();
        var query = await input.ToDF().WriteStream.Format("memory").QueryName("progress_names").StartAsync();
        await input.AddDataAsync(7L, 8L, 9L);
        await query.ProcessAllAvailableAsync();

        var json = query.LastProgress!.Json;
        foreach (var field in new[] { "\"id\"", "\"runId\"", "\"name\":\"progress_names\"", "\"timestamp\"", "\"batchId\":0", "\"numInputRows\":3",
                     "\"inputRowsPerSecond\"", "\"processedRowsPerSecond\"", "\"durationMs\"", "\"triggerExecution\"", "\"walCommit\"", "\"checkpointStorageStall\":0",
                     "\"stateOperators\":[]", "\"sources\"", "\"endOffset\":1", "\"sink\"", "\"numOutputRows\":3" })
            Assert.Contains(field, json);
        Assert.Equal(query.Id, StreamingQueryProgress.FromJson(json).Id);
        await query.StopAsync();
    }

    [Fact]
    public async Task AddDataToSeveralStreams_LandsInOneEpoch()
    {
        var left = Session.CreateMemoryStream<string>();
        var right = Session.CreateMemoryStream<string>();
        var query = await left.ToDF().Union(right.ToDF()).WriteStream.Format("memory").QueryName("union_one_epoch").StartAsync();

        await Session.AddDataAsync(left.Rows("a", "b"), right.Rows("c"));
        await query.ProcessAllAvailableAsync();

        Assert.Single(query.RecentProgress);
        Assert.Equal(3, query.LastProgress!.NumInputRows);
        Assert.Equal(["a", "b", "c"], (await Session.Table("union_one_epoch").CollectAsync()).Select(r => (string)r[0]!).Order());
        await query.StopAsync();
    }

    [Fact]
    public async Task Tuples_GiveUnderscoreColumns_AndExprParsesSql()
    {
        var input = Session.CreateMemoryStream<(string, int)>();
        var query = await input.ToDF()
            .Where(Expr("_2 * 2 > 10"))
            .SelectExpr("upper(_1) AS name", "_2 + 1 AS next")
            .WriteStream.Format("memory").QueryName("tuples_expr").StartAsync();
        await input.AddDataAsync(("ann", 3), ("ben", 6), ("cat", 9));
        await query.ProcessAllAvailableAsync();

        var rows = await Session.Table("tuples_expr").CollectAsync();
        Assert.Equal(["BEN:7", "CAT:10"], rows.Select(r => $"{r["name"]}:{r["next"]}"));
        await query.StopAsync();
    }

    [Fact]
    public async Task ForeachBatch_ReceivesEachEpochWithItsId()
    {
        var input = Session.CreateMemoryStream<int>();
        var seen = new List<(long Epoch, int[] Values)>();
        var query = await input.ToDF().WriteStream
            .ForeachBatch(async (batch, epoch) =>
            {
                var rows = await batch.CollectAsync();
                lock (seen) seen.Add((epoch, rows.Select(r => r.Get<int>(0)).ToArray()));
            })
            .StartAsync();
        await input.AddDataAsync(1, 2);
        await query.ProcessAllAvailableAsync();
        await input.AddDataAsync(3);
        await query.ProcessAllAvailableAsync();
        await query.StopAsync();

        Assert.Equal(2, seen.Count);
        Assert.Equal([0L, 1L], seen.Select(s => s.Epoch));
        Assert.Equal([1, 2], seen[0].Values);
        Assert.Equal([3], seen[1].Values);
    }

    [Fact]
    public async Task StartAsync_RefusesQueriesThatCannotRun()
    {
        var df = Session.CreateMemoryStream<int>().ToDF();

        var complete = await Assert.ThrowsAnyAsync<Exception>(() => df.WriteStream.Format("memory").QueryName("c1").OutputMode(OutputMode.Complete).StartAsync());
        Assert.Contains("Complete output mode not supported when there are no streaming aggregations", complete.Message);

        var unknown = await Assert.ThrowsAnyAsync<Exception>(() => df.Select(Col("nope")).WriteStream.Format("memory").QueryName("c2").StartAsync());
        Assert.Contains("`nope` cannot be resolved", unknown.Message);

        var noPath = await Assert.ThrowsAnyAsync<Exception>(() => df.WriteStream.Format("json").Option("checkpointLocation", "c3").StartAsync());
        Assert.Contains("path", noPath.Message);

        Assert.DoesNotContain(Session.Streams.Active, q => q.Name is "c1" or "c2");
        await Assert.ThrowsAsync<InvalidOperationException>(() => df.CollectAsync());
    }

    // Spark's UnsupportedOperationChecker: a stream may be joined with a batch relation, never unioned with one (before this
    // was refused, local rows in such a union were silently never read).
    [Fact]
    public async Task StartAsync_RefusesAUnionOfAStreamAndABatchRelation()
    {
        using var dir = new TempDirectory();
        var folder = dir.Sub("static");
        TempDirectory.WriteFile(folder, "a.json", "{\"value\":1}\n");
        var stream = Session.CreateMemoryStream<int>().ToDF();
        var local = Session.CreateDataFrame([[7]], "value INT");
        var files = Session.Read.Format("json").Schema("value INT").Load(folder);

        foreach (var (df, name) in new[] { (stream.Union(local), "u1"), (local.Union(stream), "u2"), (stream.Union(files).Where(Col("value") > 0), "u3") })
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(() => df.WriteStream.Format("memory").QueryName(name).StartAsync());
            Assert.Contains("Union between streaming and batch DataFrames/Datasets is not supported", error.Message);
        }
        Assert.DoesNotContain(Session.Streams.Active, q => q.Name is "u1" or "u2" or "u3");
    }

    [Fact]
    public async Task Listener_SeesStartedProgressAndTerminated()
    {
        var listener = new RecordingListener();
        Session.Streams.AddListener(listener);
        try
        {
            var input = Session.CreateMemoryStream<int>();
            var query = await input.ToDF().WriteStream.Format("memory").QueryName("listened").StartAsync();
            await input.AddDataAsync(1);
            await query.ProcessAllAvailableAsync();
            await query.StopAsync();

            Assert.Contains(listener.Events, e => e == $"started:{query.Id}");
            Assert.Contains(listener.Events, e => e == $"progress:{query.Id}:0");
            Assert.Contains(listener.Events, e => e == $"terminated:{query.Id}");
            Assert.Null(Session.Streams.Get(query.Id));
        }
        finally
        {
            Session.Streams.RemoveListener(listener);
        }
    }

    private sealed class RecordingListener : StreamingQueryListener
    {
        public List<string> Events { get; } = new();
        public override void OnQueryStarted(QueryStartedEvent e) { lock (Events) Events.Add($"started:{e.Id}"); }
        public override void OnQueryProgress(QueryProgressEvent e) { lock (Events) Events.Add($"progress:{e.Progress.Id}:{e.Progress.BatchId}"); }
        public override void OnQueryTerminated(QueryTerminatedEvent e) { lock (Events) Events.Add($"terminated:{e.Id}"); }
    }
}

[Collection(SessionCollection.Name)]
public sealed class MemoryStreamQueryOnFileSystem(SessionFixture fixture) : MemoryStreamQueryTests(fixture);

[Collection(BlobSessionCollection.Name)]
public sealed class MemoryStreamQueryOnAzureBlob(BlobSessionFixture fixture) : MemoryStreamQueryTests(fixture);
