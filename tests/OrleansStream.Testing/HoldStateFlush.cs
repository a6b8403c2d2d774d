using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Grains.Hosting;

namespace OrleansStream.Testing;

/// <summary>
/// Fault injection for child silo processes, loaded through OrleansStream__TestHooks (this assembly's path): the write of
/// every state partition's delta of the version named by <see cref="VersionVariable"/> never completes (it creates the
/// file named by <see cref="MarkerVariable"/> and waits), so that a test can kill the process with that version's flush
/// in flight while later epochs run on.
/// </summary>
public sealed class HoldStateFlush : ISiloHooks
{
    /// <summary>The variable naming the state version whose writes are held.</summary>
    public const string VersionVariable = "ORLEANSSTREAM_TEST_HOLD_STATE_VERSION";

    /// <summary>The variable naming the file created when a held write starts.</summary>
    public const string MarkerVariable = "ORLEANSSTREAM_TEST_HOLD_MARKER";

    private readonly long? _version = long.TryParse(Environment.GetEnvironmentVariable(VersionVariable), CultureInfo.InvariantCulture, out var v) ? v : null;
    private readonly string? _marker = Environment.GetEnvironmentVariable(MarkerVariable);

    /// <summary>The environment of a silo process whose state version <paramref name="version"/> is never written.</summary>
    public static Dictionary<string, string> SiloEnvironment(long version, string markerFile) => new()
    {
        ["OrleansStream__TestHooks"] = typeof(HoldStateFlush).Assembly.Location,
        [VersionVariable] = version.ToString(CultureInfo.InvariantCulture),
        [MarkerVariable] = markerFile,
    };

    /// <inheritdoc />
    public void Configure(ISiloBuilder silo)
    {
        if (_version is not { } version) return;
        var services = silo.Services;
        var existing = services.LastOrDefault(d => d.ServiceType == typeof(ICheckpointStore));
        Func<IServiceProvider, ICheckpointStore> inner = existing?.ImplementationFactory is { } factory
            ? sp => (ICheckpointStore)factory(sp)
            : sp => new FileSystemCheckpointStore(Path.Combine(sp.GetRequiredService<IOptions<OrleansStreamOptions>>().Value.DataDirectory, "checkpoints"));
        if (existing is not null) services.Remove(existing);
        var held = version.ToString("D20", CultureInfo.InvariantCulture) + ".delta";
        services.AddSingleton<ICheckpointStore>(sp => new Held(inner(sp), held, _marker));
    }

    private sealed class Held(ICheckpointStore inner, string heldSuffix, string? marker) : ICheckpointStore
    {
        public async Task<string> PutIfAbsentAsync(string key, ReadOnlyMemory<byte> data, CancellationToken ct = default)
        {
            if (!key.EndsWith(heldSuffix, StringComparison.Ordinal)) return await inner.PutIfAbsentAsync(key, data, ct);
            if (marker is not null) await File.WriteAllTextAsync(marker, key, CancellationToken.None);
            await Task.Delay(Timeout.Infinite, CancellationToken.None);
            throw new InvalidOperationException("unreachable");
        }

        public Task<CheckpointBlob?> ReadAsync(string key, CancellationToken ct = default) => inner.ReadAsync(key, ct);

        public Task<string> ReplaceAsync(string key, ReadOnlyMemory<byte> data, string etag, CancellationToken ct = default) => inner.ReplaceAsync(key, data, etag, ct);

        public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken ct = default) => inner.ListAsync(prefix, ct);

        public Task<bool> DeleteAsync(string key, string? etag, CancellationToken ct = default) => inner.DeleteAsync(key, etag, ct);

        public Task DeleteUncheckedAsync(string key, CancellationToken ct = default) => inner.DeleteUncheckedAsync(key, ct);
    }
}
