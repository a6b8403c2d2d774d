using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.Streaming;

public sealed class FileStreamTests
{
    private const string Schema = "id INT, name STRING, amount DOUBLE";

    private static string Lines(params int[] ids) =>
        string.Concat(ids.Select(i => $"{{\"id\":{i},\"name\":\"n{i}\",\"amount\":{i}.5}}\n"));

    [Fact]
    public async Task JsonFolderToJsonSink_StopAndRestart_EveryRowExactlyOnce()
    {
        using var dir = new TempDirectory();
        var input = dir.Sub("in");
        var output = Path.Combine(dir.Path, "out");
        TempDirectory.WriteFile(input, "a.json", Lines(1, 2, 3));

        Guid firstId;
        await using (var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path }))
        {
            var query = await Pipeline(session, input).WriteStream.Format("json").Option("checkpointLocation", "files").StartAsync(output);
            await query.ProcessAllAvailableAsync();
            TempDirectory.WriteFile(input, "b.json", Lines(4, 5));
            await query.ProcessAllAvailableAsync();
            firstId = query.Id;
            Assert.Equal(1, query.LastProgress!.BatchId);
            await query.StopAsync();
        }

        TempDirectory.WriteFile(input, "c.json", Lines(6));
        await using (var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path }))
        {
            var query = await Pipeline(session, input).WriteStream.Format("json").Option("checkpointLocation", "files").StartAsync(output);
            await query.ProcessAllAvailableAsync();
            Assert.Equal(firstId, query.Id);
            Assert.Equal(2, query.LastProgress!.BatchId);
            Assert.Equal(1, query.LastProgress.NumInputRows);
            await query.StopAsync();

            var rows = await session.Read.Schema("id INT, big STRING").Json(output).CollectAsync();
            Assert.Equal([2, 3, 4, 5, 6], rows.Select(r => r.Get<int>("id")).Order());
            Assert.Equal("N6", rows.Single(r => r.Get<int>("id") == 6)["big"]);
        }
    }

    [Fact]
    public async Task AvailableNow_WithMaxFilesPerTrigger_ProcessesEveryFileInSeveralEpochsThenStops()
    {
        using var dir = new TempDirectory();
        var input = dir.Sub("in");
        for (var i = 0; i < 3; i++) TempDirectory.WriteFile(input, $"f{i}.json", Lines(i * 10, i * 10 + 1));
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path });
        var heard = new ProgressCounter();
        session.Streams.AddListener(heard);

        var query = await session.ReadStream.Schema(Schema).Option("maxFilesPerTrigger", 1).Json(input)
            .WriteStream.Format("memory").QueryName("available_now").Trigger(Trigger.AvailableNow()).StartAsync();
        Assert.True(await query.AwaitTerminationAsync(TimeSpan.FromSeconds(60)));

        // As in Spark, every epoch's progress is in place (and was heard) when awaitTermination returns.
        Assert.Equal(3, query.RecentProgress.Count);
        Assert.Equal([0L, 1L, 2L], heard.BatchIds.Order());
        Assert.All(query.RecentProgress, p => Assert.Equal(2, p.NumInputRows));
        Assert.Equal(6, (await session.Table("available_now").CollectAsync()).Count);
    }

    [Fact]
    public async Task FailFast_MalformedLine_FailsTheQueryNamingFileAndLine()
    {
        using var dir = new TempDirectory();
        var input = dir.Sub("in");
        TempDirectory.WriteFile(input, "bad.json", Lines(1) + "{\"id\": 2, \"name\": \n" + Lines(3));
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path });

        var query = await session.ReadStream.Schema(Schema).Option("mode", "FAILFAST").Json(input)
            .WriteStream.Format("memory").QueryName("failfast").StartAsync();
        var error = await Assert.ThrowsAsync<StreamingQueryException>(() => query.ProcessAllAvailableAsync());

        Assert.Contains("bad.json", error.Message);
        Assert.Contains("line 2", error.Message);
        Assert.False(query.IsActive);
        Assert.NotNull(query.Exception);
    }

    [Fact]
    public async Task Permissive_KeepsMalformedLineInCorruptRecord_DropMalformedDropsIt()
    {
        using var dir = new TempDirectory();
        var input = dir.Sub("in");
        TempDirectory.WriteFile(input, "mixed.json", Lines(1) + "not json\n");
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path });

        var permissive = await session.ReadStream.Schema(Schema + ", _corrupt_record STRING").Json(input)
            .WriteStream.Format("memory").QueryName("permissive").StartAsync();
        var dropping = await session.ReadStream.Schema(Schema).Option("mode", "DROPMALFORMED").Json(input)
            .WriteStream.Format("memory").QueryName("dropmalformed").StartAsync();
        await permissive.ProcessAllAvailableAsync();
        await dropping.ProcessAllAvailableAsync();

        var rows = await session.Table("permissive").CollectAsync();
        Assert.Equal(2, rows.Count);
        Assert.Equal("not json", rows.Single(r => r["id"] is null)["_corrupt_record"]);
        Assert.Equal([1], (await session.Table("dropmalformed").CollectAsync()).Select(r => r.Get<int>("id")));
    }

    [Fact]
    public async Task SparkJsonSyntax_DefaultsReadSingleQuotesAndNaN_OptionsReachTheSource()
    {
        using var dir = new TempDirectory();
        var input = dir.Sub("in");
        const string commented = "{\"id\": 2, /* two */ \"name\": \"b\", \"amount\": -Infinity}";
        TempDirectory.WriteFile(input, "spark.json", "{'id': 1, 'name': 'it\\'s', 'amount': NaN}\n" + commented + "\n" + Lines(3));
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path });

        var defaults = await session.ReadStream.Schema(Schema + ", _corrupt_record STRING").Json(input)
            .WriteStream.Format("memory").QueryName("spark_defaults").StartAsync();
        var comments = await session.ReadStream.Schema(Schema).Option("ALLOWCOMMENTS", "true").Json(input)
            .WriteStream.Format("memory").QueryName("spark_comments").StartAsync();
        await defaults.ProcessAllAvailableAsync();
        await comments.ProcessAllAvailableAsync();

        // Spark's defaults: single quotes and NaN are read, a comment makes its record malformed.
        static string Show(Row r) => string.Join("|", r.Select(v => v is double d ? d.ToString(System.Globalization.CultureInfo.InvariantCulture) : v?.ToString()));
        Assert.Equal(["1|it's|NaN|", "3|n3|3.5|", "|||" + commented],
            (await session.Table("spark_defaults").CollectAsync()).Select(Show).Order(StringComparer.Ordinal));
        Assert.Equal(["1|it's|NaN", "2|b|-Infinity", "3|n3|3.5"],
            (await session.Table("spark_comments").CollectAsync()).Select(Show).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task TextSource_FromJson_StructFieldsAndStarExpansion()
    {
        using var dir = new TempDirectory();
        var input = dir.Sub("in");
        TempDirectory.WriteFile(input, "events.txt", "{\"user\":\"ann\",\"n\":2}\n{\"user\":\"bob\",\"n\":5}\n");
        await using var session = await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = dir.Path });

        var parsed = session.ReadStream.Text(input).Select(FromJson(Col("value"), "user STRING, n INT").As("payload"));
        var query = await parsed.Select(Col("payload.user"), Col("payload.n"))
            .Union(parsed.Select("payload.*"))
            .WriteStream.Format("memory").QueryName("from_json_fields").StartAsync();
        await query.ProcessAllAvailableAsync();

        var rows = await session.Table("from_json_fields").CollectAsync();
        Assert.Equal(["ann:2", "ann:2", "bob:5", "bob:5"], rows.Select(r => $"{r["user"]}:{r["n"]}").Order());
    }

    private static DataFrame Pipeline(StreamSession session, string input) =>
        session.ReadStream.Schema(Schema).Option("maxFilesPerTrigger", 1).Json(input)
            .Where(Col("id") > 1)
            .Select(Col("id"), Upper(Col("name")).As("big"));

    private sealed class ProgressCounter : StreamingQueryListener
    {
        private readonly System.Collections.Concurrent.ConcurrentBag<long> _batchIds = new();
        public IEnumerable<long> BatchIds => _batchIds;
        public override void OnQueryProgress(QueryProgressEvent e) => _batchIds.Add(e.Progress.BatchId);
    }
}
