namespace OrleansStream.Grains.Hosting;

/// <summary>
/// How a silo joins its cluster, bound from the "OrleansStream:Cluster" section (environment variables
/// <c>OrleansStream__Cluster__*</c>, the names docker-compose and the Kubernetes manifests set).
/// </summary>
public sealed class ClusterHostingOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = OrleansStreamOptions.SectionName + ":Cluster";

    /// <summary>"Localhost" (one machine, no membership store; the default) or "Redis" (Microsoft.Orleans.Clustering.Redis).</summary>
    public string Clustering { get; set; } = "Localhost";

    /// <summary>The Redis connection string (StackExchange.Redis syntax) when <see cref="Clustering"/> is Redis. A secret: never logged.</summary>
    public string? RedisConnectionString { get; set; }

    /// <summary>Orleans cluster id: silos and clients with the same id form one cluster.</summary>
    public string ClusterId { get; set; } = "orleansstream";

    /// <summary>Orleans service id: stable across deployments of the same service.</summary>
    public string ServiceId { get; set; } = "orleansstream";

    /// <summary>The silo-to-silo port.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>The client gateway port.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos and clients reach this silo at. Default: 127.0.0.1 with Localhost clustering, else
    /// this machine's host name resolved (a container's address). In Kubernetes the pod IP is used.</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>The address the silo and gateway listen on; default the advertised address. The silo binds nowhere else.</summary>
    public string? ListenAddress { get; set; }

    /// <summary>Run under Kubernetes (Microsoft.Orleans.Hosting.Kubernetes): the pod's IP, name and labels from the downward API.</summary>
    public bool Kubernetes { get; set; }

    /// <summary>The HTTP port of the health endpoint (GET /healthz, 200 while the silo is an active cluster member); 0 turns it off.</summary>
    public int HealthPort { get; set; }

    /// <summary>How long a silo may miss probes before the others declare it dead (Orleans' probe timeout times missed probes).</summary>
    public TimeSpan FailureDetectionTime { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>How long a grain call may wait for its answer before it fails (and an epoch is retried).</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(15);
}
