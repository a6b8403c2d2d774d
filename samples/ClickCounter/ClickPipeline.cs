using Microsoft.Extensions.Options;
using OrleansStream.Client;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Samples.ClickCounter;

/// <summary>
/// The sample's streaming side, started and stopped with the web host: a session (an embedded silo, or a connection to a
/// cluster), the <c>clicks</c> ingest, a per-user running count answering lookups and a per-user one-minute windowed count
/// that subscribers follow.
/// </summary>
public sealed class ClickPipeline(IOptions<ClickCounterOptions> options, IConfiguration configuration) : IHostedService, IAsyncDisposable
{
    /// <summary>The ingest the clicks go to.</summary>
    public const string IngestName = "clicks";

    private StreamSession? _session;

    /// <summary>Writes clicks to the ingest; a write returns once they are durable.</summary>
    public IngestWriter<Click> Clicks { get; private set; } = null!;

    /// <summary>Clicks per user since the start (the query behind <c>GET /users/{id}/count</c>).</summary>
    public StreamingQuery Totals { get; private set; } = null!;

    /// <summary>Clicks per user and one-minute event-time window, in Update mode (the query behind <c>GET /updates</c>).</summary>
    public StreamingQuery Windows { get; private set; } = null!;

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        _session = settings.Connect
            ? await StreamSession.ConnectAsync(configuration.GetSection("OrleansStream:Cluster").Get<StreamSessionOptions>() ?? new(), cancellationToken)
            : await StreamSession.StartLocalAsync(new StreamSessionOptions { DataDirectory = Path.GetFullPath(settings.DataDirectory) }, cancellationToken);
        await _session.CreateIngestAsync(IngestName, "user STRING NOT NULL, page STRING, ts TIMESTAMP NOT NULL", cancellationToken: cancellationToken);
        Clicks = _session.Ingest<Click>(IngestName);
        var clicks = _session.ReadStream.Format("ingest").Load(IngestName);
        // The checkpoints live in the session's checkpoint store: a restart goes on counting where it stopped.
        Totals = await clicks.GroupBy("user").Agg(Count().As("clicks"))
            .WriteStream.Format("noop").OutputMode(OutputMode.Update).QueryName("click_totals")
            .Option("checkpointLocation", "clickcounter/totals").StartAsync();
        Windows = await clicks.WithWatermark("ts", "10 seconds")
            .GroupBy(Window(Col("ts"), "1 minute"), Col("user")).Agg(Count().As("clicks"))
            .WriteStream.Format("subscription").OutputMode(OutputMode.Update).QueryName("click_windows")
            .Option("checkpointLocation", "clickcounter/windows").StartAsync();
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    /// <summary>Stops both queries after their running epochs, then the session (and an embedded silo).</summary>
    public async ValueTask DisposeAsync()
    {
        // The host stops the pipeline and its container disposes it, at times both at once (a test host stops the
        // application from two places): each call returns once the session has stopped, none sooner.
        if (_session is { } session) await session.DisposeAsync();
    }
}
