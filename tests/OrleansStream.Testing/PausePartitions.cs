using Orleans.Runtime;
using OrleansStream.Grains.Hosting;
using OrleansStream.Interfaces.Execution;

namespace OrleansStream.Testing;

/// <summary>
/// Fault injection for child silo processes, loaded through OrleansStream__TestHooks (this assembly's path): while the file
/// named by <see cref="PauseFileVariable"/> exists, a state partition of the silo that starts finishing an epoch creates the
/// file named by <see cref="MarkerVariable"/> (holding its key) and waits, so that a test can kill the silo mid-epoch.
/// </summary>
public sealed class PausePartitions : ISiloHooks, IIncomingGrainCallFilter
{
    /// <summary>The variable naming the file whose existence pauses partitions.</summary>
    public const string PauseFileVariable = "ORLEANSSTREAM_TEST_PAUSE_FILE";

    /// <summary>The variable naming the file a paused partition creates.</summary>
    public const string MarkerVariable = "ORLEANSSTREAM_TEST_PAUSED_MARKER";

    private readonly string? _pause = Environment.GetEnvironmentVariable(PauseFileVariable);
    private readonly string? _marker = Environment.GetEnvironmentVariable(MarkerVariable);

    /// <summary>The environment of a silo process with this hook (for DeploymentEnvironment overrides).</summary>
    public static Dictionary<string, string> SiloEnvironment(string pauseFile, string markerFile) => new()
    {
        ["OrleansStream__TestHooks"] = typeof(PausePartitions).Assembly.Location,
        [PauseFileVariable] = pauseFile,
        [MarkerVariable] = markerFile,
    };

    /// <inheritdoc />
    public void Configure(ISiloBuilder silo)
    {
        if (_pause is not null) silo.AddIncomingGrainCallFilter(this);
    }

    /// <inheritdoc />
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (_pause is { } pause && context.InterfaceMethod.DeclaringType == typeof(IStatePartitionGrain)
            && context.InterfaceMethod.Name == nameof(IStatePartitionGrain.FinishAsync) && File.Exists(pause))
        {
            if (_marker is { } marker) await File.WriteAllTextAsync(marker, context.TargetId.Key.ToString());
            while (File.Exists(pause)) await Task.Delay(50);
        }
        await context.Invoke();
    }
}
