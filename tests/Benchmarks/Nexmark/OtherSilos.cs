using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansStream.Grains.Hosting;

namespace OrleansStream.Benchmarks.Nexmark;

/// <summary>
/// The silos of an engine run beside its embedded one (<c>--silos N</c>): each in this process, joining the embedded silo's
/// cluster (development clustering, the embedded silo as primary) with the same data directory, so that queries place
/// their grains on every silo and an exchange's parts for another silo's partitions cross as Arrow IPC over loopback TCP.
/// </summary>
internal sealed class OtherSilos : IAsyncDisposable
{
    private readonly List<IHost> _hosts = [];

    /// <summary>Starts <paramref name="count"/> silos joining the embedded silo of <paramref name="embedded"/> (its silo port,
    /// service and cluster ids, data directory); a silo that fails to start stops those started before it.</summary>
    public static async Task<OtherSilos> StartAsync(int count, OrleansStream.Client.EmbeddedSiloOptions embedded, Action<Orleans.Hosting.ISiloBuilder>? configure)
    {
        var silos = new OtherSilos();
        try
        {
            for (var i = 0; i < count; i++) await silos.StartOneAsync(embedded, configure);
        }
        catch
        {
            await silos.DisposeAsync();
            throw;
        }
        return silos;
    }

    private async Task StartOneAsync(OrleansStream.Client.EmbeddedSiloOptions embedded, Action<Orleans.Hosting.ISiloBuilder>? configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(FreePort(), FreePort(), new IPEndPoint(IPAddress.Loopback, embedded.SiloPort), embedded.ServiceId, embedded.ClusterId);
            silo.AddOrleansStream(o => o.DataDirectory = embedded.DataDirectory!);
            configure?.Invoke(silo);
        });
        var host = builder.Build();
        _hosts.Add(host);
        await host.StartAsync();
    }

    /// <summary>A loopback port free now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        // Stopped before the embedded silo (disposed after this), last started first.
        for (var i = _hosts.Count - 1; i >= 0; i--)
        {
            await _hosts[i].StopAsync();
            _hosts[i].Dispose();
        }
    }
}
