using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansStream.Grains.Hosting;

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
        });
        using var host = builder.Build();
        await host.RunAsync(cancellationToken);
        return 0;
    }
}
