using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansStream.Grains.Hosting;
using OrleansStream.Ui.Hosting;

namespace OrleansStream.Silo;

/// <summary>
/// A cluster member: one silo configured only from configuration and OrleansStream__* environment variables
/// (clustering, endpoints, checkpoint storage, engine options), as the container image runs it. Runs until stopped.
/// </summary>
internal static class SiloHost
{
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Logging.AddOrleansStreamConsole(builder.Configuration);
        builder.Services.AddOrleansStreamTelemetry(builder.Configuration);
        builder.Services.Configure<OrleansStreamOptions>(builder.Configuration.GetSection(OrleansStreamOptions.SectionName));
        builder.UseOrleans(silo =>
        {
            silo.UseOrleansStreamCluster(builder.Configuration);
            silo.AddOrleansStream();
            silo.AddSiloHooks(builder.Configuration);
            // OrleansStream__Ui__Port turns on the web UI (its pages, /api/queries and /metrics); see UiOptions.
            var ui = builder.Configuration.GetSection(UiOptions.SectionName);
            if (ui.Exists()) silo.AddOrleansStreamUi(o => ui.Bind(o));
        });
        using var host = builder.Build();
        await host.RunAsync(cancellationToken);
        return 0;
    }
}
