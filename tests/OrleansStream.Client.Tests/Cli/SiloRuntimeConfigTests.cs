using System.Text.Json;

namespace OrleansStream.Client.Tests.Cli;

/// <summary>The runtime settings the silo host ships with (its runtimeconfig.json, read once when the runtime starts).</summary>
public sealed class SiloRuntimeConfigTests
{
    [Fact]
    public void SiloHost_IdleThreadPoolWorkers_BlockWithoutSpinning()
    {
        // Copied next to the tests with the referenced silo project, as it is published.
        var path = Path.Combine(AppContext.BaseDirectory, "OrleansStream.Silo.runtimeconfig.json");
        using var config = JsonDocument.Parse(File.ReadAllText(path));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(properties.TryGetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", out var limit), "the silo host sets no spin limit");
        Assert.Equal(0, limit.GetInt32());
    }
}
