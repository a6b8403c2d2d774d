using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using OrleansStream.Engine.Telemetry;
using OrleansStream.Silo;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.Telemetry;

/// <summary>An embedded silo whose logs are also captured (OrleansStream categories from Information).</summary>
public sealed class TelemetrySessionFixture : IAsyncLifetime
{
    public TempDirectory Data { get; } = new();
    public CapturingLoggerProvider Logs { get; } = new();
    public StreamSession Session { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Session = await StreamSession.StartLocalAsync(new EmbeddedSiloOptions
        {
            DataDirectory = Data.Path,
            ConfigureSilo = silo =>
            {
                silo.Services.AddSingleton<ILoggerProvider>(Logs);
                silo.Services.Configure<LoggerFilterOptions>(o =>
                    o.Rules.Add(new LoggerFilterRule(typeof(CapturingLoggerProvider).FullName, "OrleansStream", LogLevel.Information, null)));
            },
        });

    public async Task DisposeAsync()
    {
        await Session.DisposeAsync();
        Data.Dispose();
    }
}

/// <summary>The "OrleansStream" meter and activity source read through OpenTelemetry's in-memory exporter, the Prometheus endpoint, and the logging scopes.</summary>
public sealed class TelemetryTests(TelemetrySessionFixture fixture) : IClassFixture<TelemetrySessionFixture>
{
    private StreamSession Session => fixture.Session;

    private static DataFrame WindowedCount(DataFrame values) => values
        .WithColumn("eventTime", Col("value").Cast("timestamp"))
        .WithWatermark("eventTime", "10 seconds")
        .GroupBy(Window(Col("eventTime"), "5 seconds").As("window"))
        .Agg(Count().As("count"));

    [Fact]
    public async Task WatermarkedAggregation_ExportsProgressAsMetrics_AndEachEpochAsASpanWithItsPhases()
    {
        var spans = new List<Activity>();
        var metrics = new List<MetricSnapshot>();
        using var tracer = Sdk.CreateTracerProviderBuilder().AddSource(StreamingTelemetry.Name).AddInMemoryExporter(spans).Build();
        using var meter = Sdk.CreateMeterProviderBuilder().AddMeter(StreamingTelemetry.Name).AddInMemoryExporter(metrics).Build();

        var input = Session.CreateMemoryStream<long>();
        var query = await WindowedCount(input.ToDF()).WriteStream.OutputMode(OutputMode.Update).Format("memory").QueryName("telemetry_windowed").StartAsync();
        await input.AddDataAsync(10, 11, 12);
        await query.ProcessAllAvailableAsync();
        await input.AddDataAsync(25, 26);
        await query.ProcessAllAvailableAsync();
        var last = query.LastProgress!;
        meter.ForceFlush();
        tracer.ForceFlush();
        var epochs = query.RecentProgress.Where(p => p.DurationMs.ContainsKey("addBatch")).ToList();
        Assert.True(epochs.Count >= 2, "both additions ran an epoch");
        await query.StopAsync();

        var id = query.Id.ToString();
        bool Ours(MetricPoint point) => Tag(point, "query.id") == id;
        MetricSnapshot Metric(string name) => metrics.Last(m => m.Name == name);

        Assert.Equal(5, Metric("orleansstream.input.rows").MetricPoints.Where(Ours).Sum(p => p.GetSumLong()));
        Assert.Equal(epochs.Sum(p => p.Sink.NumOutputRows), Metric("orleansstream.sink.rows").MetricPoints.Where(Ours).Sum(p => p.GetSumLong()));
        Assert.Equal(epochs.Count, Metric("orleansstream.epoch.duration").MetricPoints.Where(Ours).Single().GetHistogramCount());
        var phases = Metric("orleansstream.epoch.phase.duration").MetricPoints.Where(Ours).Select(p => Tag(p, "phase")).ToHashSet();
        Assert.Superset(new HashSet<string?> { "latestOffset", "walCommit", "addBatch", "commitOffsets" }, phases);
        var stateRows = Assert.Single(Metric("orleansstream.state.rows").MetricPoints, Ours);
        Assert.Equal(last.StateOperators[0].NumRowsTotal, stateRows.GetGaugeLastValueLong());
        Assert.Contains(Metric("orleansstream.state.memory").MetricPoints, p => Ours(p) && p.GetGaugeLastValueLong() > 0);
        var watermark = DateTimeOffset.Parse(last.EventTime["watermark"], CultureInfo.InvariantCulture);
        var lag = Assert.Single(Metric("orleansstream.watermark.lag").MetricPoints, Ours);
        Assert.Equal((DateTimeOffset.Parse(last.Timestamp, CultureInfo.InvariantCulture) - watermark).TotalSeconds, lag.GetGaugeLastValueDouble(), 3);
        Assert.Single(Metric("orleansstream.process.rate").MetricPoints, Ours);
        Assert.Single(Metric("orleansstream.input.rate").MetricPoints, Ours);

        var epochSpans = spans.Where(s => s.GetTagItem("query.id") as string == id && s.DisplayName.StartsWith("epoch ", StringComparison.Ordinal)).ToList();
        Assert.Equal(epochs.Select(p => p.BatchId).Order(), epochSpans.Select(s => (long)s.GetTagItem("batch.id")!).Order());
        foreach (var epoch in epochSpans)
        {
            Assert.Equal(ActivityStatusCode.Ok, epoch.Status);
            var children = spans.Where(s => s.ParentSpanId == epoch.SpanId).OrderBy(s => s.StartTimeUtc).Select(s => s.DisplayName);
            Assert.Equal(["plan", "write-ahead", "run", "sink commit", "commit"], children);
        }
    }

    [Fact]
    public async Task PrometheusEndpoint_ServesTheInstrumentsOfARunningQuery()
    {
        var port = FreePort();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [TelemetryExporters.PrometheusPortKey] = port.ToString(CultureInfo.InvariantCulture),
        }).Build();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddOrleansStreamTelemetry(configuration);
        using var host = builder.Build();
        await host.StartAsync();

        var input = Session.CreateMemoryStream<long>();
        var query = await WindowedCount(input.ToDF()).WriteStream.OutputMode(OutputMode.Update).Format("memory").QueryName("telemetry_prometheus").StartAsync();
        await input.AddDataAsync(10, 11, 30);
        await query.ProcessAllAvailableAsync();
        using var http = new HttpClient();
        var text = await http.GetStringAsync(new Uri($"http://localhost:{port}/metrics"));
        await query.StopAsync();
        await host.StopAsync();

        foreach (var name in new[] { "orleansstream_input_rows_total", "orleansstream_sink_rows_total", "orleansstream_epoch_duration_seconds_bucket",
                     "orleansstream_epoch_phase_duration_seconds_count", "orleansstream_state_rows", "orleansstream_watermark_lag_seconds", "orleansstream_process_rate" })
            Assert.Contains(text.Split('\n'), line => line.StartsWith(name, StringComparison.Ordinal) && line.Contains(query.Id.ToString(), StringComparison.Ordinal));
        Assert.Contains(text.Split('\n'), line => line.StartsWith("orleansstream_input_rows_total", StringComparison.Ordinal)
            && line.Contains($"query_name=\"telemetry_prometheus\"", StringComparison.Ordinal) && line.EndsWith(" 3", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Logs_CarryTheQueryIdAndTheBatchIdInTheirScope()
    {
        var input = Session.CreateMemoryStream<int>();
        var query = await input.ToDF().WriteStream.Format("memory").QueryName("telemetry_logs").StartAsync();
        await input.AddDataAsync(1, 2);
        await query.ProcessAllAvailableAsync();
        await input.AddDataAsync(3);
        await query.ProcessAllAvailableAsync();
        await query.StopAsync();

        // "Query {Query}: batch {BatchId} committed" (event 1201), written as the epoch commits.
        var committed = fixture.Logs.Entries.Where(e => e.EventId.Id == 1201 && Equals(e.Scope.GetValueOrDefault("QueryId"), query.Id)).ToList();
        Assert.Equal([0L, 1L], committed.Select(e => (long)e.Scope["BatchId"]!));
        Assert.All(committed, e =>
        {
            Assert.Equal("telemetry_logs", e.Scope["QueryName"]);
            Assert.Equal(query.RunId, e.Scope["RunId"]);
            Assert.EndsWith($"batch {e.Scope["BatchId"]} committed", e.Message, StringComparison.Ordinal);
        });
    }

    [Theory]
    [InlineData(TelemetryExporters.PrometheusPortKey, "http", "OrleansStream__Telemetry__Prometheus__Port must be a TCP port")]
    [InlineData(TelemetryExporters.OtlpEndpointKey, "collector:4317", "OrleansStream__Telemetry__Otlp__Endpoint must be an http(s) URL")]
    public void BadExporterSetting_IsRefusedNamingTheVariable(string key, string value, string message)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();
        var error = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddOrleansStreamTelemetry(configuration));
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ConsoleLogging.FormatKey, "json", "json")]
    [InlineData("Logging:Console:FormatterName", "json", "json")]
    [InlineData("DOTNET_RUNNING_IN_CONTAINER", "true", "json")]
    [InlineData(ConsoleLogging.FormatKey, "simple", "simple")]
    [InlineData("unrelated", "x", "simple")]
    public void ConsoleLogFormat_FollowsConfiguration_JsonInContainers(string key, string value, string formatter)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddOrleansStreamConsole(configuration));
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>>().Value;
        Assert.Equal(formatter, options.FormatterName);
    }

    [Fact]
    public void UnknownConsoleLogFormat_IsRefusedNamingTheVariable()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [ConsoleLogging.FormatKey] = "xml" }).Build();
        var error = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddLogging(logging => logging.AddOrleansStreamConsole(configuration)));
        Assert.Equal("OrleansStream__Logging__Format must be 'json' or 'simple', not 'xml'.", error.Message);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? Tag(MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
            if (tag.Key == key) return tag.Value?.ToString();
        return null;
    }
}
