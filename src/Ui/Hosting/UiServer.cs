using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OrleansStream.Ui.Api;

namespace OrleansStream.Ui.Hosting;

/// <summary>
/// The UI's own Kestrel server, started and stopped with the silo's host. A web application of its own (rather than the
/// silo's host made a web host) so that any silo host can serve it, the embedded one included; it shares the silo's grain
/// factory, logging and meter provider.
/// </summary>
internal sealed partial class UiServer(IOptions<UiOptions> options, IServiceProvider silo, ILogger<UiServer> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The addresses Kestrel listens on, once started.</summary>
    public IReadOnlyList<string> Addresses { get; private set; } = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var address = IPAddress.Parse(settings.Address);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(UiServer).Assembly.GetName().Name });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(address, settings.Port);
        });
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton(silo.GetRequiredService<ILoggerFactory>());
        builder.Services.AddSingleton(silo.GetRequiredService<IGrainFactory>());
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(silo.GetService<TimeProvider>() ?? TimeProvider.System);
        var app = builder.Build();
        app.UseRouting();
        QueryApi.Map(app);
        app.MapPrometheusScrapingEndpoint("/metrics", silo.GetRequiredService<MeterProvider>(), null, null);
        StaticAssets.Map(app);
        await app.StartAsync(cancellationToken);
        _app = app;
        Addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
        LogInformationListening(logger, string.Join(", ", Addresses));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is { } app) await app.StopAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is { } app) await app.DisposeAsync();
        _app = null;
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Web UI listening on {Addresses}")]
    private static partial void LogInformationListening(ILogger logger, string addresses);
}
