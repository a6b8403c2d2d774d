using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using OrleansStream.Grains.Execution;
using OrleansStream.Grains.Hosting;

namespace OrleansStream.Testing;

/// <summary>
/// Fault injection for child silo processes, loaded through OrleansStream__TestHooks (this assembly's path): the trigger
/// hangs in the commit of the batch named by <see cref="BatchVariable"/>, after its sinks committed (or, with
/// <see cref="AfterSinkLogVariable"/> set to true, after its file-sink log entry), before its commit record, having
/// created the file named by <see cref="MarkerVariable"/>, so that a test can kill the process at exactly that point.
/// </summary>
public sealed class HangEpochs : ISiloHooks, IEpochHooks
{
    /// <summary>The variable naming the batch to hang in.</summary>
    public const string BatchVariable = "ORLEANSSTREAM_TEST_HANG_BEFORE_COMMIT_OF_BATCH";

    /// <summary>The variable that, set to true, moves the hang after the file-sink log entry.</summary>
    public const string AfterSinkLogVariable = "ORLEANSSTREAM_TEST_HANG_AFTER_SINK_LOG";

    /// <summary>The variable naming the file created when the trigger hangs.</summary>
    public const string MarkerVariable = "ORLEANSSTREAM_TEST_HANG_MARKER";

    private readonly long? _batch = long.TryParse(Environment.GetEnvironmentVariable(BatchVariable), CultureInfo.InvariantCulture, out var b) ? b : null;
    private readonly bool _afterSinkLog = bool.TryParse(Environment.GetEnvironmentVariable(AfterSinkLogVariable), out var a) && a;
    private readonly string? _marker = Environment.GetEnvironmentVariable(MarkerVariable);

    /// <summary>The environment of a silo process that hangs in the commit of <paramref name="batch"/>.</summary>
    public static Dictionary<string, string> SiloEnvironment(long batch, string markerFile, bool afterSinkLog = false) => new()
    {
        ["OrleansStream__TestHooks"] = typeof(HangEpochs).Assembly.Location,
        [BatchVariable] = batch.ToString(CultureInfo.InvariantCulture),
        [AfterSinkLogVariable] = afterSinkLog ? "true" : "false",
        [MarkerVariable] = markerFile,
    };

    /// <inheritdoc />
    public void Configure(ISiloBuilder silo)
    {
        // Registered after the engine's default hooks, so this one is resolved.
        if (_batch is not null) silo.Services.AddSingleton<IEpochHooks>(this);
    }

    /// <inheritdoc />
    public Task OnSinkCommittedAsync(string query, long batchId) => _afterSinkLog ? Task.CompletedTask : HangIfAskedAsync(batchId);

    /// <inheritdoc />
    public Task OnSinkLogWrittenAsync(string query, long batchId) => _afterSinkLog ? HangIfAskedAsync(batchId) : Task.CompletedTask;

    private async Task HangIfAskedAsync(long batchId)
    {
        if (batchId != _batch) return;
        if (_marker is { } marker) await File.WriteAllTextAsync(marker, batchId.ToString(CultureInfo.InvariantCulture));
        await Task.Delay(Timeout.Infinite);
    }
}
