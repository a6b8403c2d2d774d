using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using ConsoleFormatter = Microsoft.Extensions.Logging.Console.ConsoleFormatter;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using OrleansStream.Grains.Hosting;
using OrleansStream.Silo;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.Telemetry;

/// <summary>
/// The checkpoint store's connection string is a secret: a stateful query on Azure Blob checkpoints (Azurite) runs several
/// epochs, and a second silo whose storage does not answer goes through the outage warnings to a failure; every metric
/// (names, descriptions, label keys and values, of every meter in the process), every span (names, tags, events, status)
/// and every log (the JSON console format with its scopes and state, exceptions included) is searched for the account key,
/// <c>AccountKey=</c> and the connection string.
/// </summary>
public sealed class SecretsTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task NoMetricSpanOrLog_CarriesTheCheckpointStoresConnectionString()
    {
        var connectionString = Azurite.ConnectionString;
        var accountKey = Regex.Match(connectionString, "AccountKey=([^;]+)").Groups[1].Value;
        Assert.NotEmpty(accountKey);
        var spans = new List<Activity>();
        var metrics = new List<MetricSnapshot>();
        using var tracer = Sdk.CreateTracerProviderBuilder().AddSource("*").AddInMemoryExporter(spans).Build();
        using var meter = Sdk.CreateMeterProviderBuilder().AddMeter("*").AddInMemoryExporter(metrics).Build();
        using var logs = new JsonConsoleCapture();
        var failures = new StringBuilder();

        // A watermarked aggregation: offsets, commits and state snapshots all go to the blob container, over several epochs.
        using (var data = new TempDirectory())
        {
            await using var session = await StreamSession.StartLocalAsync(new EmbeddedSiloOptions
            {
                DataDirectory = data.Path,
                Checkpoints = new() { Provider = CheckpointStorageOptions.AzureBlobProvider, AzureBlob = { ConnectionString = connectionString, Container = Azurite.UniqueContainerName() } },
                ConfigureSilo = silo => logs.AddTo(silo.Services),
            });
            var input = session.CreateMemoryStream<long>();
            var query = await input.ToDF()
                .WithColumn("eventTime", Col("value").Cast("timestamp"))
                .WithWatermark("eventTime", "10 seconds")
                .GroupBy(Window(Col("eventTime"), "5 seconds"))
                .Agg(Count().As("count"))
                .WriteStream.OutputMode(OutputMode.Update).Format("memory").QueryName("secrets_blob").StartAsync();
            foreach (var batch in new long[][] { [10, 11], [25, 26, 27], [40], [60, 61] })
            {
                await input.AddDataAsync(batch);
                await query.ProcessAllAvailableAsync();
                meter.ForceFlush(); // the gauges read the running query
            }
            Assert.True(query.RecentProgress.Count(p => p.NumInputRows > 0) >= 4, "every addition ran an epoch");
            failures.AppendLine(string.Join('\n', query.RecentProgress.Select(p => p.Json)));
            await query.StopAsync();
        }

        // The same key on a port where nothing listens: each attempt logs a warning naming the endpoint, then the query fails.
        var deadPort = Ports.Free();
        var unreachable = Regex.Replace(connectionString, @"(BlobEndpoint=https?://[^:/;]+:)\d+", m => m.Groups[1].Value + deadPort);
        Assert.Contains($":{deadPort}/", unreachable);
        using (var data = new TempDirectory())
        {
            await using var session = await StreamSession.StartLocalAsync(new EmbeddedSiloOptions
            {
                DataDirectory = data.Path,
                Checkpoints = new()
                {
                    Provider = CheckpointStorageOptions.AzureBlobProvider,
                    OutageBudget = TimeSpan.FromSeconds(4),
                    AzureBlob = { ConnectionString = unreachable, NetworkTimeout = TimeSpan.FromSeconds(1), OperationTimeout = TimeSpan.FromSeconds(2) },
                },
                ConfigureSilo = silo => logs.AddTo(silo.Services),
            });
            var input = session.CreateMemoryStream<long>();
            var error = await Record.ExceptionAsync(async () =>
            {
                var query = await input.ToDF().WriteStream.Format("memory").QueryName("secrets_unreachable").StartAsync();
                await input.AddDataAsync(1);
                await query.ProcessAllAvailableAsync();
            });
            Assert.NotNull(error);
            failures.AppendLine(error.ToString());
        }
        tracer.ForceFlush();
        meter.ForceFlush();
        // Other tests of this process keep producing spans and metrics: stop listening before reading the lists.
        tracer.Dispose();
        meter.Dispose();

        var logText = logs.Text;
        Assert.Contains("\"EventId\":1201", logText);                        // batch committed, on Azure Blob
        Assert.Contains("\"EventId\":1112", logText);                        // storage is failing, a warning per attempt
        Assert.Contains($"127.0.0.1:{deadPort}", logText);
        Assert.Contains("\"QueryName\":\"secrets_blob\"", logText);          // the scopes are in the JSON
        var metricText = MetricText(metrics);
        Assert.Contains("orleansstream.state.rows", metricText);
        Assert.Contains("secrets_blob", metricText);
        var spanText = SpanText(spans);
        Assert.Contains("sink commit", spanText);

        output.WriteLine(string.Join('\n', metrics.Where(m => m.MeterName == Engine.Telemetry.StreamingTelemetry.Name)
            .Select(m => $"{m.Name} [{m.Unit}] tags {string.Join(", ", m.MetricPoints.SelectMany(p => TagKeys(p)).Distinct())}").Distinct().Order()));
        output.WriteLine($"searched {metrics.Count} metric exports, {spans.Count} spans, {logText.Length:N0} characters of JSON logs");
        foreach (var (what, text) in new[] { ("metrics", metricText), ("spans", spanText), ("logs", logText), ("errors and progress", failures.ToString()) })
        {
            Assert.False(text.Contains(accountKey, StringComparison.Ordinal), $"the account key appears in the {what}: {Around(text, accountKey)}");
            Assert.False(Regex.IsMatch(text, @"AccountKey=(?!\*\*\*)", RegexOptions.IgnoreCase), $"an unmasked 'AccountKey=' appears in the {what}");
            Assert.False(text.Contains(connectionString, StringComparison.Ordinal), $"the connection string appears in the {what}");
            Assert.False(text.Contains(unreachable, StringComparison.Ordinal), $"the unreachable connection string appears in the {what}");
        }
    }

    /// <summary>
    /// A user's function whose error quotes a connection string fails its query: the engine's failure log (event 1203) and the
    /// query catalog (which the CLI and the UI show) carry the message with the key masked. (Orleans' own Debug log of a failed
    /// grain call quotes the exception as it is: that category is not the engine's to rewrite.)
    /// </summary>
    [Fact]
    public async Task AUsersErrorQuotingAConnectionString_IsMaskedInTheFailureLogAndTheCatalog()
    {
        const string key = "c2VjcmV0LWtleS1mb3ItdGVzdHM=";
        const string connectionString = "DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=" + key + ";EndpointSuffix=core.windows.net";
        using var logs = new JsonConsoleCapture();
        using var data = new TempDirectory();
        await using var session = await StreamSession.StartLocalAsync(new EmbeddedSiloOptions { DataDirectory = data.Path, ConfigureSilo = silo => logs.AddTo(silo.Services) });
        var input = session.CreateMemoryStream<long>();
        var query = await input.ToDF().WriteStream.QueryName("secrets_user_error")
            .ForeachBatch((_, _) => throw new InvalidOperationException($"Could not write to {connectionString}")).StartAsync();
        await input.AddDataAsync(1);
        Assert.NotNull(await Record.ExceptionAsync(() => query.ProcessAllAvailableAsync()));

        var described = await Eventually(async () => await session.Streams.DescribeAsync("secrets_user_error") is { Exception: { } e } ? e : null);
        Assert.Contains("Could not write to DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=" + Engine.Telemetry.SecretRedactor.Mask, described);
        Assert.DoesNotContain(key, described);
        var engineLogs = string.Join('\n', logs.Text.Split('\n').Where(line => line.Contains("\"Category\":\"OrleansStream.", StringComparison.Ordinal)));
        Assert.Contains("\"EventId\":1203", engineLogs);
        Assert.Contains("AccountKey=" + Engine.Telemetry.SecretRedactor.Mask, engineLogs);
        Assert.False(engineLogs.Contains(key, StringComparison.Ordinal), $"the key appears in the engine's logs: {Around(engineLogs, key)}");
    }

    // The line that leaked, the secret itself masked, so that the failure says where to look.
    private static string Around(string text, string secret)
    {
        var at = text.IndexOf(secret, StringComparison.Ordinal);
        if (at < 0) return "";
        var start = text.LastIndexOf('\n', at) + 1;
        var end = text.IndexOf('\n', at);
        return text[start..(end < 0 ? text.Length : end)].Replace(secret, "<key>", StringComparison.Ordinal);
    }

    private static async Task<string> Eventually(Func<Task<string?>> read)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(30); ; await Task.Delay(100))
        {
            if (await read() is { } value) return value;
            Assert.True(DateTime.UtcNow < deadline, "the catalog never recorded the failure");
        }
    }

    private static string MetricText(IEnumerable<MetricSnapshot> metrics)
    {
        var text = new StringBuilder();
        foreach (var metric in metrics)
        {
            text.AppendLine($"{metric.MeterName} {metric.Name} {metric.Unit} {metric.Description}");
            foreach (var point in metric.MetricPoints)
                foreach (var tag in point.Tags) text.AppendLine($"  {tag.Key}={tag.Value}");
        }
        return text.ToString();
    }

    private static IEnumerable<string> TagKeys(MetricPoint point)
    {
        foreach (var tag in point.Tags) yield return tag.Key;
    }

    private static string SpanText(IEnumerable<Activity> spans)
    {
        var text = new StringBuilder();
        foreach (var span in spans)
        {
            text.AppendLine($"{span.Source.Name} {span.OperationName} {span.DisplayName} {span.Status} {span.StatusDescription}");
            foreach (var (key, value) in span.TagObjects) text.AppendLine($"  {key}={value}");
            foreach (var (key, value) in span.Baggage) text.AppendLine($"  baggage {key}={value}");
            foreach (var e in span.Events)
            {
                text.AppendLine($"  event {e.Name}");
                foreach (var (key, value) in e.Tags) text.AppendLine($"    {key}={value}");
            }
        }
        return text.ToString();
    }

    /// <summary>
    /// Every log of the silos it is added to (every category, from Debug), written as the containers' console writes them:
    /// the JSON formatter that <see cref="ConsoleLogging"/> configures, with scopes, state and exceptions.
    /// </summary>
    private sealed class JsonConsoleCapture : ILoggerProvider, ISupportExternalScope
    {
        private readonly ServiceProvider _services;
        private readonly ConsoleFormatter _formatter;
        private readonly StringWriter _text = new();
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public JsonConsoleCapture()
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [ConsoleLogging.FormatKey] = "json" }).Build();
            _services = new ServiceCollection().AddLogging(logging => logging.AddOrleansStreamConsole(configuration)).BuildServiceProvider();
            _formatter = _services.GetServices<ConsoleFormatter>().Single(f => f.Name == ConsoleFormatterNames.Json);
        }

        public string Text
        {
            get { lock (_text) return _text.ToString(); }
        }

        public void AddTo(IServiceCollection services)
        {
            services.AddSingleton<ILoggerProvider>(this);
            services.Configure<LoggerFilterOptions>(o => o.Rules.Add(new LoggerFilterRule(typeof(JsonConsoleCapture).FullName, null, LogLevel.Debug, null)));
        }

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose() => _services.Dispose();

        private sealed class Logger(JsonConsoleCapture capture, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => capture._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var entry = new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter);
                lock (capture._text) capture._formatter.Write(entry, capture._scopes, capture._text);
            }
        }
    }
}
