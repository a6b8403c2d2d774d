using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Hosting;
using OrleansStream.Grains.Hosting;

namespace OrleansStream.Grains.Tests.Infrastructure;

/// <summary>A one-silo host on loopback (free ports, a cluster of its own) with OrleansStream added: tests that need grains
/// but no client.</summary>
internal static class TestSilo
{
    /// <summary>Builds the host (not started); <paramref name="cluster"/> prefixes a unique cluster id.</summary>
    public static IHost Build(string cluster, Action<OrleansStreamOptions> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(Ports.Free(), Ports.Free(), serviceId: "grains-tests", clusterId: cluster + "-" + Guid.NewGuid().ToString("N"));
            silo.AddOrleansStream(configure);
        });
        return builder.Build();
    }

    /// <summary>Builds and starts a silo keeping its data under <paramref name="dataDirectory"/>.</summary>
    public static async Task<IHost> StartAsync(string cluster, string dataDirectory)
    {
        var host = Build(cluster, o => o.DataDirectory = dataDirectory);
        await host.StartAsync();
        return host;
    }
}
