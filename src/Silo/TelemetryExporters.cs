using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using OrleansStream.Engine.Telemetry;

namespace OrleansStream.Silo;

/// <summary>
/// Exports the engine's "OrleansStream" meter and activity source by configuration: OrleansStream__Telemetry__Otlp__Endpoint
/// sends metrics and epoch spans over OTLP; OrleansStream__Telemetry__Prometheus__Port serves a Prometheus scrape endpoint
/// at /metrics. Neither set, nothing is registered and the instruments cost next to nothing.
/// </summary>
public static class TelemetryExporters
{
    public const string OtlpEndpointKey = "OrleansStream:Telemetry:Otlp:Endpoint";
    public const string PrometheusPortKey = "OrleansStream:Telemetry:Prometheus:Port";
    /// <summary>The one host name the scrape endpoint answers on (default: every interface).</summary>
    public const string PrometheusHostKey = "OrleansStream:Telemetry:Prometheus:Host";

    public static IServiceCollection AddOrleansStreamTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var otlp = configuration[OtlpEndpointKey] is { Length: > 0 } endpoint ? ParseEndpoint(endpoint) : null;
        var prometheusPort = configuration[PrometheusPortKey] is { Length: > 0 } port ? ParsePort(port) : (int?)null;
        if (otlp is null && prometheusPort is null) return services;

        var telemetry = services.AddOpenTelemetry().ConfigureResource(r => r.AddService("orleansstream"));
        telemetry.WithMetrics(metrics =>
        {
            metrics.AddMeter(StreamingTelemetry.Name);
            if (otlp is not null) metrics.AddOtlpExporter(o => o.Endpoint = otlp);
            if (prometheusPort is { } p) metrics.AddPrometheusHttpListener(o =>
            {
                o.Port = p;
                if (configuration[PrometheusHostKey] is { Length: > 0 } host) o.Host = host;
                // By default every interface, so that a container's published port reaches it (the exporter's own default is localhost).
                else o.ConfigureHttpListener = static (options, listener) =>
                {
                    listener.Prefixes.Clear();
                    listener.Prefixes.Add($"http://+:{options.Port}{options.ScrapeEndpointPath}/");
                };
            });
        });
        if (otlp is not null)
            telemetry.WithTracing(tracing => tracing.AddSource(StreamingTelemetry.Name).AddOtlpExporter(o => o.Endpoint = otlp));
        return services;
    }

    private static Uri ParseEndpoint(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) ? uri
            : throw new ArgumentException($"OrleansStream__Telemetry__Otlp__Endpoint must be an http(s) URL such as http://collector:4317, not '{value}'.");

    private static int ParsePort(string value) =>
        int.TryParse(value, out var port) && port is > 0 and <= 65535 ? port
            : throw new ArgumentException($"OrleansStream__Telemetry__Prometheus__Port must be a TCP port (1-65535), not '{value}'.");
}
