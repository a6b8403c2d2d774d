using Microsoft.Extensions.Configuration;
using OrleansStream.Client;
using OrleansStream.Grains.Hosting;

namespace OrleansStream.Silo;

/// <summary>
/// How the client commands find the cluster: the same OrleansStream__Cluster__* environment variables (or configuration)
/// as a cluster member (`orleansstream silo`), so that one environment serves the silos and the CLI.
/// </summary>
internal static class ClusterConnection
{
    // A cluster that answers does so in a second or two; the Orleans client would otherwise retry for long.
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Connects a session to the cluster the environment names.</summary>
    /// <exception cref="ArgumentException">The cluster options are incomplete, or no silo answers (the message says where it looked).</exception>
    public static async Task<StreamSession> ConnectAsync(IConfiguration configuration, CancellationToken cancellationToken)
    {
        var section = configuration.GetSection(ClusterHostingOptions.SectionName);
        var cluster = section.Get<ClusterHostingOptions>() ?? new ClusterHostingOptions();
        var options = new StreamSessionOptions
        {
            Clustering = cluster.Clustering, RedisConnectionString = cluster.RedisConnectionString,
            ClusterId = cluster.ClusterId, ServiceId = cluster.ServiceId, GatewayPort = cluster.GatewayPort,
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Critical,
        };
        try
        {
            return await StreamSession.ConnectAsync(options, cancellationToken).WaitAsync(ConnectTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not (ArgumentException or OperationCanceledException))
        {
            var where = options.Clustering.Equals("redis", StringComparison.OrdinalIgnoreCase)
                ? $"the gateways that Redis lists for cluster '{options.ClusterId}'"
                : $"the gateway on localhost:{options.GatewayPort} (cluster '{options.ClusterId}')";
            var hint = section.Exists() ? "" :
                " No cluster is configured (no OrleansStream__Cluster__* environment variable is set), so the default was tried:" +
                " start one with `orleansstream silo`, or set OrleansStream__Cluster__Clustering and the other variables the silos use." +
                " The embedded silo of `orleansstream job` serves only that process.";
            throw new ArgumentException($"Cannot reach the cluster at {where}: {ex.Message.TrimEnd('.')}.{hint}", ex);
        }
    }
}
