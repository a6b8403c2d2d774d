using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OrleansStream.Engine.Telemetry;

namespace OrleansStream.Ui.Hosting;

/// <summary>Serves the OrleansStream web UI from a silo.</summary>
public static class UiSiloBuilderExtensions
{
    /// <summary>
    /// Serves the web UI (the query pages, <c>/api/queries</c> and the Prometheus scrape endpoint <c>/metrics</c>) on
    /// <see cref="UiOptions.Address"/>:<see cref="UiOptions.Port"/> while the silo runs. The options are validated when the host starts.
    /// </summary>
    public static ISiloBuilder AddOrleansStreamUi(this ISiloBuilder builder, Action<UiOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOrleansStreamUi(configure);
        return builder;
    }

    /// <summary>The <see cref="IServiceCollection"/> layer of <see cref="AddOrleansStreamUi(ISiloBuilder, Action{UiOptions}?)"/>.</summary>
    public static IServiceCollection AddOrleansStreamUi(this IServiceCollection services, Action<UiOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<UiOptions>();
        if (configure is not null) options.Configure(configure);
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<UiOptions>, UiOptionsValidator>());
        // The scrape endpoint reads the silo's meter provider, which this adds to (the other exporters keep working).
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(StreamingTelemetry.Name).AddPrometheusExporter());
        services.TryAddSingleton<UiServer>();
        services.AddHostedService(sp => sp.GetRequiredService<UiServer>());
        return services;
    }
}
