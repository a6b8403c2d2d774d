using System.Globalization;
using OrleansStream.Grains.Hosting;
using OrleansStream.Interfaces.Execution;

namespace OrleansStream.Testing;

/// <summary>
/// Observation for child silo processes, loaded through OrleansStream__TestHooks (this assembly's path): while
/// <see cref="FolderVariable"/> names a folder, every batch whose rows reach a state partition (a stage call) leaves a file
/// <c>staged-{batch}</c> there, so that a test can tell which epochs were in flight when it killed the process.
/// </summary>
public sealed class RecordStagedBatches : ISiloHooks, IIncomingGrainCallFilter
{
    /// <summary>The variable naming the folder the markers go to.</summary>
    public const string FolderVariable = "ORLEANSSTREAM_TEST_STAGED_FOLDER";

    private readonly string? _folder = Environment.GetEnvironmentVariable(FolderVariable);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, bool> _seen = new();

    /// <summary>The environment of a silo process with this hook (merged into another hook's).</summary>
    public static Dictionary<string, string> SiloEnvironment(string folder) => new()
    {
        ["OrleansStream__TestHooks"] = typeof(RecordStagedBatches).Assembly.Location,
        [FolderVariable] = folder,
    };

    /// <summary>The marker of <paramref name="batch"/> in <paramref name="folder"/>.</summary>
    public static string Marker(string folder, long batch) => Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"staged-{batch}"));

    /// <inheritdoc />
    public void Configure(ISiloBuilder silo)
    {
        if (_folder is not null) silo.AddIncomingGrainCallFilter(this);
    }

    /// <inheritdoc />
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (_folder is { } folder && context.InterfaceMethod.DeclaringType == typeof(IStatePartitionGrain)
            && context.InterfaceMethod.Name == nameof(IStatePartitionGrain.StageAsync) && context.Request.GetArgument(1) is long batch)
        {
            if (_seen.TryAdd(batch, true)) await File.WriteAllTextAsync(Marker(folder, batch), "");
        }
        await context.Invoke();
    }
}
