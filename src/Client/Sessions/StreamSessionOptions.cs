namespace OrleansStream.Client;

/// <summary>
/// How a <see cref="StreamSession"/> starts or finds its cluster. Plain values only: what configures an embedded silo
/// with silo types (its checkpoint store, a silo builder hook) is in <c>EmbeddedSiloOptions</c> of OrleansStream.Client.Hosting.
/// </summary>
public class StreamSessionOptions
{
    /// <summary>Embedded silo only: where checkpoints live (default: ./orleansstream-data).</summary>
    public string? DataDirectory { get; set; }

    /// <summary>Embedded silo only: the engine clock (batch timestamps, processing-time triggers). Tests pass a fake one.</summary>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>Embedded silo: its silo port (0 = a free port). Connect: unused.</summary>
    public int SiloPort { get; set; }

    /// <summary>Embedded silo: its gateway port (0 = a free port). Connect: the gateway port of the cluster (default 30000).</summary>
    public int GatewayPort { get; set; }

    /// <summary>Connect: how to find the cluster's gateways: "Localhost" (the gateway on <see cref="GatewayPort"/> of this machine) or "Redis" (every live silo's gateway, from the membership table).</summary>
    public string Clustering { get; set; } = "Localhost";

    /// <summary>Connect with Redis clustering: the Redis connection string (never logged).</summary>
    public string? RedisConnectionString { get; set; }

    /// <summary>Orleans cluster id.</summary>
    public string ClusterId { get; set; } = "orleansstream";

    /// <summary>Orleans service id.</summary>
    public string ServiceId { get; set; } = "orleansstream";

    /// <summary>The lowest level of the embedded silo's log that reaches the console (default Warning).</summary>
    public Microsoft.Extensions.Logging.LogLevel LogLevel { get; set; } = Microsoft.Extensions.Logging.LogLevel.Warning;
}
