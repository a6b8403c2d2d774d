using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;
using OrleansStream.Client;
using OrleansStream.Grains.Hosting;
using Spectre.Console;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Silo;

/// <summary>
/// The main job: JSON events arrive as files in a folder; a streaming query parses them with from_json, projects and
/// filters, prints every epoch to the console and appends it to a JSON file sink, on a one-second trigger (with --windowed,
/// it counts events per user in 10-second event-time windows and appends each window once it is final; with --joined, it
/// pairs each view with the same user's buys of the 10 seconds after it, a stream-stream left outer join; with --running-totals,
/// it appends each user's running count and amount whenever they change, through flatMapGroupsWithState;
/// with --stateful, it keeps a running count per user in a transformWithState processor and emits a row when a user goes quiet; with --ingest, the
/// events go through the SDK's durable ingest instead of files). Run it again
/// and it resumes from its checkpoint: files already processed are not read again.
/// </summary>
internal sealed class DemoJob(JobOptions options, IAnsiConsole? terminal = null)
{
    private const string EventSchema = "user STRING, action STRING, amount DOUBLE, ts TIMESTAMP";
    private static readonly string[] Users = ["ada", "bob", "cyd", "dee"];
    private static readonly string[] Actions = ["view", "click", "buy"];
    private const string IngestName = "demo-events";

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var input = Path.Combine(options.DataDirectory, "demo", "in");
        var output = Path.Combine(options.DataDirectory, "demo", "out");
        Directory.CreateDirectory(input);
        // Test hooks (OrleansStream__TestHooks) reach the job's silo as they reach a cluster member's: crash tests hang it there.
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        await using var session = await StreamSession.StartLocalAsync(new EmbeddedSiloOptions
        {
            DataDirectory = options.DataDirectory, LogLevel = Microsoft.Extensions.Logging.LogLevel.Error,
            ConfigureSilo = silo =>
            {
                silo.AddSiloHooks(configuration);
                silo.Services.AddOrleansStreamTelemetry(configuration);
            },
        }, cancellationToken);
        var printer = new ProgressPrinter();
        session.Streams.AddListener(printer);

        // With --redis, the generator XADDs to the first stream, created here: the query refuses a stream that does not exist.
        await using var redis = options.Redis is null || !options.Generate ? null : await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(options.Redis);
        if (redis is not null) await AddEventsAsync(redis.GetDatabase(), new Random(), cancellationToken);
        if (options.Ingest) await session.CreateIngestAsync(IngestName, EventSchema, new IngestOptions { Partitions = 2 }, cancellationToken);
        var parsed = options.Ingest ? session.ReadStream.Format("ingest").Load(IngestName)
            : options.Redis is null
            ? session.ReadStream.Format("text").Option("maxFilesPerTrigger", options.MaxFilesPerTrigger).Load(input)
                .Select(FromJson(Col("value"), EventSchema).As("event"))
                .Select("event.*")
            : RedisEvents(session);
        var events = options.Joined ? Attributed(parsed) : parsed
            .Where(Col("action") != "view")
            .WithColumn("amount_cents", (Col("amount") * 100).Cast("long"))
            .WithColumn("processed_at", CurrentTimestamp());
        if (options.Windowed)
            events = events.WithWatermark("ts", "5 seconds")
                .GroupBy(Window(Col("ts"), "10 seconds"), Col("user"))
                .Agg(Count().As("events"), Sum("amount_cents").As("cents"));
        if (options.RunningTotals)
            events = events.GroupBy("user").FlatMapGroupsWithState(new RunningTotals(), OutputMode.Append, "user STRING, events BIGINT, cents BIGINT", GroupStateTimeout.NoTimeout);
        if (options.Stateful)
            events = parsed.WithWatermark("ts", "5 seconds").GroupBy("user")
                .TransformWithState(new QuietUsers(), "user STRING, kind STRING, events BIGINT, last_seen TIMESTAMP", OutputMode.Append, TimeMode.EventTime);

        var query = await events.WriteStream
            .Format(options.Sink).Option("path", output).Option("truncate", "false")
            .Option("checkpointLocation", (options.Joined ? "demo-joined" : options.Windowed ? "demo-windowed" : options.RunningTotals ? "demo-totals" : options.Stateful ? "demo-stateful" : "demo") + (options.Redis is null ? "" : "-redis") + (options.Ingest ? "-ingest" : ""))
            .QueryName("demo")
            .Trigger(options.AvailableNow ? Trigger.AvailableNow() : Trigger.ProcessingTime(options.Interval))
            .StartAsync(cancellationToken);
        Console.WriteLine($"Query {query.Id} (run {query.RunId}) reading {(options.Ingest ? $"ingest {IngestName}" : options.Redis is null ? input : $"Redis streams {options.Streams}")}, writing {output}");

        Task StartGenerating() => options.Ingest ? GenerateIngestAsync(session, cancellationToken)
            : redis is not null ? GenerateRedisAsync(redis.GetDatabase(), cancellationToken) : GenerateAsync(input, cancellationToken);
        // An AvailableNow run reads what is there when it starts, so its generator writes once the run is over, for the next
        // run: started beside the run, its first events landed before the run took its bounds or after, as the load decided.
        var generator = options.Generate && !options.AvailableNow ? StartGenerating() : Task.CompletedTask;
        try
        {
            var wait = WaitAsync(query, printer, cancellationToken);
            if (terminal is null) await wait;
            else await JobProgress.RunAsync(terminal, printer, options, wait);
        }
        finally
        {
            options.StopGenerating = true;
            // Told to stop, a generator writes one round and ends.
            if (options.Generate && options.AvailableNow) generator = StartGenerating();
            await generator;
            await query.StopAsync(CancellationToken.None);
        }
        // An AvailableNow run reads only what is there when it starts: on an empty folder it runs no batch at all.
        Console.WriteLine(query.LastProgress is { } last
            ? $"Stopped after batch {last.BatchId}. Run again to resume from the checkpoint."
            : $"Stopped with no batch run: there was nothing new to read{(options.AvailableNow ? " when the query started" : "")}. Run again to resume from the checkpoint.");
        return 0;
    }

    private async Task WaitAsync(StreamingQuery query, ProgressPrinter printer, CancellationToken cancellationToken)
    {
        if (options.AvailableNow)
        {
            await query.AwaitTerminationAsync(cancellationToken);
            return;
        }
        if (options.UntilIdle)
        {
            await query.ProcessAllAvailableAsync(cancellationToken);
            return;
        }
        // Counted as reported: RecentProgress keeps only the last 100, so it cannot count more.
        while (query.IsActive && printer.Reports < options.Epochs)
            await query.AwaitTerminationAsync(TimeSpan.FromMilliseconds(200), cancellationToken);
    }

    // Each view with every buy of the same user in the 10 seconds after it, or alone (nulls) once the watermark says no
    // buy can come: a stream-stream left outer self-join whose watermarks (5 seconds on both sides) and time range bound
    // its state.
    private static DataFrame Attributed(DataFrame events)
    {
        var views = events.Where(Col("action") == "view").WithWatermark("ts", "5 seconds").As("v");
        var buys = events.Where(Col("action") == "buy").WithWatermark("ts", "5 seconds").As("b");
        return views.Join(buys, (Col("v.user") == Col("b.user")) & Expr("b.ts BETWEEN v.ts AND v.ts + INTERVAL 10 SECONDS"), "left_outer")
            .Select(Col("v.user").As("user"), Col("v.ts").As("viewed"), Col("b.ts").As("bought"),
                (Col("b.amount") * 100).Cast("long").As("amount_cents"));
    }

    // The events as entries of Redis streams (fields user, action, amount, ts), each row keeping its stream key and entry id.
    private DataFrame RedisEvents(StreamSession session)
    {
        var reader = session.ReadStream.Format("redis-streams").Option("host", options.Redis!).Option("streams", options.Streams)
            .Option("startingOffsets", "earliest").Option("schema", EventSchema);
        if (options.MaxEntriesPerTrigger is { } max) reader = reader.Option("maxEntriesPerTrigger", max);
        return reader.Load().Select("stream", "id", "user", "action", "amount", "ts");
    }

    private async Task GenerateRedisAsync(StackExchange.Redis.IDatabase redis, CancellationToken cancellationToken)
    {
        var random = new Random();
        do
        {
            if (!options.StopGenerating) try { await Task.Delay(TimeSpan.FromMilliseconds(700), cancellationToken); } catch (OperationCanceledException) { }
            await AddEventsAsync(redis, random, CancellationToken.None);
        }
        while (!options.StopGenerating && !cancellationToken.IsCancellationRequested);
    }

    // Five random events, XADDed to the first of the job's streams.
    private async Task AddEventsAsync(StackExchange.Redis.IDatabase redis, Random random, CancellationToken cancellationToken)
    {
        var stream = options.Streams.Split(',', StringSplitOptions.TrimEntries)[0];
        for (var i = 0; i < 5; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var ts = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            await redis.StreamAddAsync(stream, [new("user", Users[random.Next(Users.Length)]), new("action", Actions[random.Next(Actions.Length)]),
                new("amount", (random.Next(100, 10000) / 100.0).ToString(CultureInfo.InvariantCulture)), new("ts", ts)]);
        }
    }

    // Two loops share one writer, so that appends are in flight most of the time; each write is five events named
    // "<run>-<write>-<i>" (a crash test tells them apart) and is printed once acknowledged, that is durable.
    private async Task GenerateIngestAsync(StreamSession session, CancellationToken cancellationToken)
    {
        await using var writer = session.Ingest(IngestName);
        var run = Guid.NewGuid().ToString("N")[..8];
        var written = 0;
        async Task WriteLoopAsync()
        {
            do
            {
                var write = Interlocked.Increment(ref written);
                var ts = DateTime.UtcNow;
                var rows = new object?[5][];
                for (var i = 0; i < rows.Length; i++) rows[i] = [$"{run}-{write}-{i}", Actions[i % Actions.Length], i + 0.5, ts];
                await writer.WriteAsync(rows, CancellationToken.None);
                Console.WriteLine($"ingest: acknowledged {run}-{write}");
                if (!options.StopGenerating) try { await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken); } catch (OperationCanceledException) { }
            }
            while (!options.StopGenerating && !cancellationToken.IsCancellationRequested);
        }
        await Task.WhenAll(WriteLoopAsync(), WriteLoopAsync());
    }

    private async Task GenerateAsync(string input, CancellationToken cancellationToken)
    {
        var next = Directory.GetFiles(input, "events-*.json").Length;
        var random = new Random(next);
        do
        {
            var text = new StringBuilder();
            for (var i = 0; i < 5; i++)
            {
                var ts = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
                text.Append(CultureInfo.InvariantCulture, $"{{\"user\":\"{Users[random.Next(Users.Length)]}\",\"action\":\"{Actions[random.Next(Actions.Length)]}\",\"amount\":{random.Next(100, 10000) / 100.0},\"ts\":\"{ts}\"}}\n");
            }
            var file = Path.Combine(input, $"events-{next++:D6}.json");
            await File.WriteAllTextAsync(file + ".tmp", text.ToString(), CancellationToken.None);
            File.Move(file + ".tmp", file);
            if (!options.StopGenerating) try { await Task.Delay(TimeSpan.FromMilliseconds(700), cancellationToken); } catch (OperationCanceledException) { }
        }
        while (!options.StopGenerating && !cancellationToken.IsCancellationRequested);
    }

    /// <summary>Each user's running count and amount (cents), emitted once per epoch in which the user has events.</summary>
    public sealed class RunningTotals : FlatMapGroupsWithStateFunction<Totals>
    {
        public override IEnumerable<Row> Call(Row key, IEnumerable<Row> rows, GroupState<Totals> state)
        {
            var before = state.GetOption() ?? new Totals(0, 0);
            var totals = rows.Aggregate(before, (t, r) => new Totals(t.Events + 1, t.Cents + r.Get<long>("amount_cents")));
            state.Update(totals);
            return [new Row([key[0], totals.Events, totals.Cents], ["user", "events", "cents"])];
        }
    }

    /// <summary>The state of <see cref="RunningTotals"/>.</summary>
    public sealed record Totals(long Events, long Cents);

    /// <summary>Prints each progress report as a line, and counts the reports and their input rows (for --epochs and the bar).</summary>
    internal sealed class ProgressPrinter : StreamingQueryListener
    {
        private long _reports;
        private long _rows;

        public long Reports => Interlocked.Read(ref _reports);
        public long Rows => Interlocked.Read(ref _rows);

        public override void OnQueryProgress(QueryProgressEvent e)
        {
            Console.WriteLine($"progress: batchId={e.Progress.BatchId} numInputRows={e.Progress.NumInputRows} " +
                $"numOutputRows={e.Progress.Sink.NumOutputRows} durationMs={e.Progress.DurationMs.GetValueOrDefault("triggerExecution")} " +
                $"endOffset={e.Progress.Sources.FirstOrDefault()?.EndOffset}");
            Interlocked.Add(ref _rows, e.Progress.NumInputRows);
            Interlocked.Increment(ref _reports);
        }
    }
}
