using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansStream.Grains.Hosting;

namespace OrleansStream.Client;

/// <summary>
/// Starts a <see cref="StreamSession"/> on a silo in this process. Declared as a static extension of
/// <see cref="StreamSession"/> in its namespace, so that referencing this package is all it takes to write
/// <c>StreamSession.StartLocalAsync(...)</c>, while the SDK itself stays free of the silo.
/// </summary>
public static class EmbeddedSilo
{
    extension(StreamSession)
    {
        /// <summary>
        /// Starts a silo in this process, with file-system checkpoints under the data directory, and connects to it.
        /// <see cref="EmbeddedSiloOptions"/> also chooses the checkpoint store and configures the silo.
        /// </summary>
        public static async Task<StreamSession> StartLocalAsync(StreamSessionOptions? options = null, CancellationToken cancellationToken = default)
        {
            options ??= new StreamSessionOptions();
            var embedded = options as EmbeddedSiloOptions;
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(options.LogLevel);
            if (options.TimeProvider is { } time) builder.Services.AddSingleton(time);
            // Engine options also come from OrleansStream__* environment variables (fault injection in crash tests uses this).
            builder.Configuration.AddEnvironmentVariables();
            builder.Services.Configure<OrleansStreamOptions>(builder.Configuration.GetSection(OrleansStreamOptions.SectionName));
            builder.UseOrleans(silo =>
            {
                silo.UseLocalhostClustering(FreePort(options.SiloPort), FreePort(options.GatewayPort), serviceId: options.ServiceId, clusterId: options.ClusterId);
                silo.AddOrleansStream(o =>
                {
                    if (options.DataDirectory is { } dir) o.DataDirectory = dir;
                    if (embedded?.Checkpoints is { } checkpoints) o.Checkpoints = checkpoints;
                });
                // The queries this session starts are defined in this process: their processor types are loaded here.
                if (embedded?.RegisterStatefulProcessors ?? true)
                    silo.Services.AddSingleton(new OrleansStream.Engine.Operators.Stateful.StatefulProcessorOptions { RunLoadedTypes = true });
                embedded?.ConfigureSilo?.Invoke(silo);
            });
            var host = builder.Build();
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            return new StreamSession(host);
        }
    }

    private static int FreePort(int requested)
    {
        if (requested != 0) return requested;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
