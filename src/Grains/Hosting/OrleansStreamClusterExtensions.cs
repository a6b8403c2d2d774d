using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using StackExchange.Redis;

namespace OrleansStream.Grains.Hosting;

/// <summary>Joins a silo to its cluster from <see cref="ClusterHostingOptions"/>: clustering, endpoints, failure detection, health.</summary>
public static class OrleansStreamClusterExtensions
{
    /// <summary>Configures clustering and endpoints from the "OrleansStream:Cluster" section of <paramref name="configuration"/>.</summary>
    /// <exception cref="ArgumentException">An option is invalid (the message names it, never a secret's value).</exception>
    public static ISiloBuilder UseOrleansStreamCluster(this ISiloBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.GetSection(ClusterHostingOptions.SectionName).Get<ClusterHostingOptions>() ?? new ClusterHostingOptions();
        var localhost = options.Clustering.Equals("localhost", StringComparison.OrdinalIgnoreCase);
        var advertised = Address(options.AdvertisedAddress ?? (localhost ? "127.0.0.1" : Dns.GetHostName()), "AdvertisedAddress");
        var listen = options.ListenAddress is { Length: > 0 } l ? Address(l, "ListenAddress") : advertised;
        Port(options.SiloPort, "SiloPort");
        Port(options.GatewayPort, "GatewayPort");
        builder.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = options.ClusterId;
            o.ServiceId = options.ServiceId;
        });
        builder.Configure<EndpointOptions>(o =>
        {
            o.AdvertisedIPAddress = advertised;
            o.SiloPort = options.SiloPort;
            o.GatewayPort = options.GatewayPort;
            // Bind only where configured, never to every interface.
            o.SiloListeningEndpoint = new IPEndPoint(listen, options.SiloPort);
            o.GatewayListeningEndpoint = new IPEndPoint(listen, options.GatewayPort);
        });
        builder.Configure<ClusterMembershipOptions>(o =>
        {
            o.NumMissedProbesLimit = 3;
            o.ProbeTimeout = options.FailureDetectionTime / 3;
            // A dead silo's vote counts until its heartbeat row is stale: when two of three silos die together, the survivor
            // alone can evict them only then. Stale after two missed heartbeats, so within the failure detection time.
            o.IAmAliveTablePublishTimeout = options.FailureDetectionTime / 3;
            o.NumMissedTableIAmAliveLimit = 2;
        });
        builder.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = options.ResponseTimeout);
        switch (options.Clustering.ToLowerInvariant())
        {
            case "localhost":
                builder.UseLocalhostClustering(options.SiloPort, options.GatewayPort, null, options.ServiceId, options.ClusterId);
                break;
            case "redis":
                var connection = options.RedisConnectionString is { Length: > 0 } c ? c : throw new ArgumentException(
                    "OrleansStream:Cluster:RedisConnectionString (environment variable OrleansStream__Cluster__RedisConnectionString) is required when Clustering is Redis.");
                builder.UseRedisClustering(o => o.ConfigurationOptions = ParseRedis(connection));
                break;
            default:
                throw new ArgumentException($"OrleansStream:Cluster:Clustering must be 'Localhost' or 'Redis', not '{options.Clustering}'.");
        }
        // Last, so that the pod's IP and labels win over the generic endpoint settings.
        if (options.Kubernetes) builder.UseKubernetesHosting();
        if (options.HealthPort > 0)
        {
            Port(options.HealthPort, "HealthPort");
            builder.Services.AddSingleton(new HealthEndpointOptions(listen, options.HealthPort));
            builder.Services.AddHostedService<HealthEndpoint>();
        }
        return builder;
    }

    /// <summary>Parses a Redis connection string without echoing it (it may hold a password) when it is malformed.</summary>
    public static ConfigurationOptions ParseRedis(string connection)
    {
        try
        {
            return ConfigurationOptions.Parse(connection);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException("OrleansStream:Cluster:RedisConnectionString is not a valid StackExchange.Redis connection string.");
        }
    }

    private static IPAddress Address(string text, string name) => IPAddress.TryParse(text, out var ip) ? ip
        : Dns.GetHostAddresses(text).FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
          ?? throw new ArgumentException($"OrleansStream:Cluster:{name} '{text}' is not an IP address or a resolvable host name.");

    private static void Port(int port, string name)
    {
        if (port is < 1 or > 65535) throw new ArgumentException($"OrleansStream:Cluster:{name} must be a TCP port (1-65535), not {port}.");
    }
}
