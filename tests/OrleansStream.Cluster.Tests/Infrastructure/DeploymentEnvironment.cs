using System.Text.RegularExpressions;

namespace OrleansStream.Cluster.Tests.Infrastructure;

/// <summary>
/// The silo environment that infra/docker-compose.yml and infra/k8s/silo.yaml set. The cluster tests start silo
/// processes with exactly these variables, overriding only what differs between containers and loopback processes
/// (addresses, ports, connection strings, folders), so the files cannot drift from what is tested.
/// </summary>
public static partial class DeploymentEnvironment
{
    /// <summary>The silo environment of docker-compose.yml (the x-silo-environment block), in file order.</summary>
    public static IReadOnlyDictionary<string, string> Compose()
    {
        var lines = File.ReadAllLines(Path.Combine(Repository.Root, "infra", "docker-compose.yml"));
        var start = Array.FindIndex(lines, l => l.StartsWith("x-silo-environment:", StringComparison.Ordinal));
        if (start < 0) throw new InvalidOperationException("infra/docker-compose.yml has no x-silo-environment block.");
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(start + 1).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal)))
        {
            var m = ComposeEntry().Match(line);
            if (!m.Success) throw new FormatException($"Unexpected line in x-silo-environment: {line}");
            result[m.Groups[1].Value] = m.Groups[2].Value;
        }
        return result;
    }

    /// <summary>The names of the OrleansStream__* variables of the Kubernetes silo manifest.</summary>
    public static IReadOnlySet<string> KubernetesNames() =>
        KubernetesEntry().Matches(File.ReadAllText(Path.Combine(Repository.Root, "infra", "k8s", "silo.yaml")))
            .Select(m => m.Groups[1].Value).Where(n => n.StartsWith("OrleansStream__", StringComparison.Ordinal)).ToHashSet();

    /// <summary>The compose environment with <paramref name="overrides"/> applied; every overridden name must exist in compose.</summary>
    public static Dictionary<string, string> ForLoopback(IReadOnlyDictionary<string, string> overrides, params string[] additions)
    {
        var env = new Dictionary<string, string>(Compose());
        foreach (var (name, value) in overrides)
        {
            if (!env.ContainsKey(name) && !additions.Contains(name))
                throw new InvalidOperationException($"{name} is not set by infra/docker-compose.yml: the test would run a configuration the containers do not.");
            env[name] = value;
        }
        return env;
    }

    /// <summary>
    /// The compose environment of a silo process on loopback: Redis membership, Azurite checkpoints in
    /// <paramref name="container"/>, its own free ports, and <paramref name="data"/> as data directory and file root.
    /// </summary>
    public static Dictionary<string, string> LoopbackSilo(string clusterId, string redisConnectionString, string container, string data) =>
        ForLoopback(new Dictionary<string, string>
        {
            ["OrleansStream__Cluster__RedisConnectionString"] = redisConnectionString,
            ["OrleansStream__Cluster__ClusterId"] = clusterId,
            ["OrleansStream__Cluster__SiloPort"] = Ports.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OrleansStream__Cluster__GatewayPort"] = Ports.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OrleansStream__Cluster__HealthPort"] = Ports.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OrleansStream__Cluster__ListenAddress"] = "127.0.0.1",
            ["OrleansStream__Cluster__AdvertisedAddress"] = "127.0.0.1",
            ["OrleansStream__Checkpoints__AzureBlob__ConnectionString"] = Azurite.ConnectionString,
            ["OrleansStream__Checkpoints__AzureBlob__Container"] = container,
            ["OrleansStream__DataDirectory"] = data,
            ["OrleansStream__FileRoots"] = data,
            ["Logging__LogLevel__Default"] = "Warning",
        }, "OrleansStream__Cluster__AdvertisedAddress", "Logging__LogLevel__Default");

    [GeneratedRegex("^  (OrleansStream__[A-Za-z_]+): \"(.*)\"$")]
    private static partial Regex ComposeEntry();

    [GeneratedRegex(@"- name: (\S+)")]
    private static partial Regex KubernetesEntry();
}
