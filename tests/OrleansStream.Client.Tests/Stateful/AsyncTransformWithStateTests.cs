using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using OrleansStream.Client.Tests.Infrastructure;
using OrleansStream.Testing;
using static OrleansStream.Client.Functions;
using static OrleansStream.Testing.StreamSteps;

namespace OrleansStream.Client.Tests.Stateful;

/// <summary>
/// transformWithState with an <see cref="AsyncStatefulProcessor"/> in a running query: Spark's RunningCount scenario with
/// handlers that await, keys enriched by a real local HTTP service (concurrent calls bounded per partition), a handler's
/// failure failing the query naming processor and key, and a file sink that gets every row exactly once across the failed
/// epoch and the restart that re-runs it.
/// </summary>
[Collection(SessionCollection.Name)]
public sealed class AsyncTransformWithStateTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    private string NewFolder(string name) => fixture.Data.Sub(name + "-" + Guid.NewGuid().ToString("N")[..8]);

    private static DataFrame Keyed(MemoryStream<string> input) => input.ToDF().Select(Col("value").As("key"));

    /// <summary>Spark's RunningCountStatefulProcessor with a real delay between reading and writing the count.</summary>
    public sealed class AsyncRunningCount : AsyncStatefulProcessor
    {
        private IValueState<long> _count = null!;

        public override void Init(StatefulProcessorHandle handle) => _count = handle.GetValueState<long>("countState");

        public override async IAsyncEnumerable<Row> HandleInputRowsAsync(Row key, IReadOnlyList<Row> rows, TimerValues timerValues,
            [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var count = _count.Get() + 1;
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            if (count == 3)
            {
                _count.Clear();
                yield break;
            }
            _count.Update(count);
            yield return new Row([key[0], count.ToString(System.Globalization.CultureInfo.InvariantCulture)], ["key", "count"]);
        }
    }

    /// <summary>Counts each key's rows and enriches them with a call to <see cref="Service"/> per row, at most 4 keys at once.</summary>
    public sealed class Enriching : AsyncStatefulProcessor
    {
        private static readonly HttpClient Http = new();

        /// <summary>The service the test runs (tests of a collection run one at a time).</summary>
        public static Uri? Service { get; set; }

        private IValueState<long> _count = null!;

        public override int MaxKeysInFlight => 4;

        public override void Init(StatefulProcessorHandle handle) => _count = handle.GetValueState<long>("count");

        public override async IAsyncEnumerable<Row> HandleInputRowsAsync(Row key, IReadOnlyList<Row> rows, TimerValues timerValues,
            [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            foreach (var _ in rows)
            {
                using var response = await Http.GetAsync(new Uri(Service!, (string)key[0]!), cancellationToken).ConfigureAwait(false);
                response.EnsureSuccessStatusCode();
                var info = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                var count = _count.Get() + 1;
                _count.Update(count);
                yield return new Row([key[0], count, info], ["key", "count", "info"]);
            }
        }
    }

    /// <summary>
    /// The "enrichment service": a real HTTP listener on loopback that answers GET /{key} with "info-{key}" after 50 ms,
    /// counts the requests in flight, and answers 503 to the first request for each key it is given to fail once.
    /// </summary>
    private sealed class EnrichmentService : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly HashSet<string> _failOnce;
        private int _inFlight;
        private int _maxInFlight;
        private int _requests;

        public EnrichmentService(params string[] failOnce)
        {
            _failOnce = [.. failOnce];
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Uri = new Uri($"http://127.0.0.1:{port}/");
            _listener.Prefixes.Add(Uri.ToString());
            _listener.Start();
            _ = Task.Run(AcceptAsync);
        }

        public Uri Uri { get; }

        public int MaxInFlight => Volatile.Read(ref _maxInFlight);

        public int Requests => Volatile.Read(ref _requests);

        private async Task AcceptAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception) when (!_listener.IsListening)
                {
                    return;
                }
                _ = Task.Run(() => AnswerAsync(context));
            }
        }

        private async Task AnswerAsync(HttpListenerContext context)
        {
            Interlocked.Increment(ref _requests);
            var now = Interlocked.Increment(ref _inFlight);
            lock (_failOnce) _maxInFlight = Math.Max(_maxInFlight, now);
            try
            {
                await Task.Delay(50);
                var key = context.Request.Url!.AbsolutePath.Trim('/');
                bool fail;
                lock (_failOnce) fail = _failOnce.Remove(key);
                context.Response.StatusCode = fail ? 503 : 200;
                var body = System.Text.Encoding.UTF8.GetBytes(fail ? "unavailable" : "info-" + key);
                await context.Response.OutputStream.WriteAsync(body);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
                context.Response.Close();
            }
        }

        public void Dispose() => _listener.Close();
    }

    // Spark's "transformWithState - streaming with rocksdb should succeed", the handlers awaiting.
    [Fact]
    public async Task AsyncRunningCount_KeepsValueStateAcrossRestarts()
    {
        var input = Session.CreateMemoryStream<string>();
        var result = Keyed(input).GroupBy("key").TransformWithState(new AsyncRunningCount(), "key STRING, count STRING", OutputMode.Update, TimeMode.None);
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

    [Fact]
    public async Task ServiceCalls_AreConcurrentAcrossKeys_UpToMaxKeysInFlightPerPartition()
    {
        using var service = new EnrichmentService();
        Enriching.Service = service.Uri;
        var input = Session.CreateMemoryStream<string>();
        var keys = Enumerable.Range(0, 24).Select(i => $"k{i:00}").ToArray();
        var result = Keyed(input).GroupBy("key").TransformWithState(new Enriching(), "key STRING, count BIGINT, info STRING", OutputMode.Update, TimeMode.None);
        await Session.TestStream(result, OutputMode.Update).Run(
            StartStream(options: new Dictionary<string, string> { ["numStatePartitions"] = "1" }),
            AddData(input, keys),
            CheckNewAnswer(keys.Select(k => $"{k}:1:info-{k}").ToArray()));

        Assert.Equal(24, service.Requests);
        Assert.InRange(service.MaxInFlight, 2, 4);
    }

    [Fact]
    public async Task AFailingHandler_FailsTheQuery_NamingTheProcessorAndTheKey()
    {
        using var service = new EnrichmentService("b");
        Enriching.Service = service.Uri;
        var input = Session.CreateMemoryStream<string>();
        var result = Keyed(input).GroupBy("key").TransformWithState(new Enriching(), "key STRING, count BIGINT, info STRING", OutputMode.Update, TimeMode.None);
        await Session.TestStream(result, OutputMode.Update).Run(
            AddData(input, "a", "b", "c"),
            ExpectFailure($"The stateful processor {typeof(Enriching).FullName} failed on key [b]"));
    }

    [Fact]
    public async Task FileSink_GetsEveryRowExactlyOnce_AcrossAFailedEpochAndTheRestartThatReRunsIt()
    {
        using var service = new EnrichmentService("poison");
        Enriching.Service = service.Uri;
        var input = Session.CreateMemoryStream<string>();
        var output = NewFolder("async-tws.output");
        var checkpoint = NewFolder("async-tws.checkpoint");
        var result = Keyed(input).GroupBy("key").TransformWithState(new Enriching(), "key STRING, count BIGINT, info STRING", OutputMode.Append, TimeMode.None);
        Task<StreamingQuery> Start() => result.WriteStream.Option("checkpointLocation", checkpoint).Format("json").StartAsync(output);

        var query = await Start();
        await input.AddDataAsync("a", "b", "c");
        await query.ProcessAllAvailableAsync();
        // In the next epoch "a" and "d" complete (their state moves on in memory) while "poison" fails: the epoch fails whole.
        await input.AddDataAsync("a", "poison", "d");
        var failure = await Assert.ThrowsAsync<StreamingQueryException>(() => query.ProcessAllAvailableAsync());
        Assert.Contains("failed on key [poison]", failure.Message);

        // The restart runs the failed epoch again on the committed state ("a" counts 2, not 3), then goes on.
        query = await Start();
        await query.ProcessAllAvailableAsync();
        await input.AddDataAsync("a");
        await query.ProcessAllAvailableAsync();
        await query.StopAsync();

        var rows = Scenario.Plain(await Session.Read.Json(output).Select("key", "count", "info").CollectAsync());
        Assert.Equal(["a:1:info-a", "a:2:info-a", "a:3:info-a", "b:1:info-b", "c:1:info-c", "d:1:info-d", "poison:1:info-poison"], rows.Order(StringComparer.Ordinal));
    }
}
