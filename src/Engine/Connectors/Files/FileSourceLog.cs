using System.Globalization;
using System.Text.Json;
using OrleansStream.Engine.Checkpointing;

namespace OrleansStream.Engine.Connectors.Files;

/// <summary>
/// The files a file source has taken, in its own part of the checkpoint (Spark's FileStreamSourceLog): under its prefix,
/// entry n lists the files of the source's n-th planned epoch, and every <see cref="CompactInterval"/>-th entry is written
/// as "n.compact" with every file taken up to it, after which the entries before it are deleted. Every entry is written
/// create-if-absent, so a planning copy that lost a race never overwrites what another wrote. Loading reads the last
/// compact entry and the entries after it: the cost follows the interval, not the query's age.
/// </summary>
public sealed class FileSourceLog
{
    /// <summary>Spark's default spark.sql.streaming.fileSource.log.compactInterval.</summary>
    public const int DefaultCompactInterval = 10;

    private const string CompactSuffix = ".compact";

    private readonly ICheckpointStore _store;

    /// <summary>Opens the log under <paramref name="prefix"/> (a key prefix ending in '/') of <paramref name="store"/>.</summary>
    public FileSourceLog(ICheckpointStore store, string prefix, int compactInterval = DefaultCompactInterval)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        ArgumentOutOfRangeException.ThrowIfLessThan(compactInterval, 1);
        _store = store;
        Prefix = prefix.EndsWith('/') ? prefix : prefix + "/";
        CompactInterval = compactInterval;
    }

    /// <summary>The key prefix of the log's entries.</summary>
    public string Prefix { get; }

    /// <summary>Every how many entries one is written compacted.</summary>
    public int CompactInterval { get; }

    /// <summary>The entries in the log (the next entry's number).</summary>
    public long Count { get; private set; }

    /// <summary>The log offset (files taken in all) of the last entry, or 0 when empty.</summary>
    public long LastLogOffset { get; private set; }

    /// <summary>Every file taken so far, as of the last <see cref="LoadAsync"/> and the <see cref="AppendAsync"/> calls since.</summary>
    public HashSet<string> Files { get; } = new(StringComparer.Ordinal);

    /// <summary>Reads the last compact entry and the entries after it into <see cref="Files"/>.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        Files.Clear();
        var entries = new SortedDictionary<long, bool>();
        foreach (var key in await _store.ListAsync(Prefix, cancellationToken).ConfigureAwait(false))
            if (TryParseKey(key, out var n, out var compact)) entries[n] = entries.GetValueOrDefault(n) || compact;
        var lastCompact = -1L;
        foreach (var (n, compact) in entries) if (compact) lastCompact = n;
        Count = 0;
        LastLogOffset = 0;
        foreach (var (n, compact) in entries)
        {
            if (n < lastCompact) continue;
            var entry = await ReadAsync(Key(n, compact), cancellationToken).ConfigureAwait(false);
            Files.UnionWith(entry.Files);
            Count = n + 1;
            LastLogOffset = entry.LogOffset;
        }
    }

    /// <summary>
    /// Appends the entry of an epoch that took <paramref name="files"/>, ending at <paramref name="logOffset"/>; compacts it
    /// when its number falls due. Appending what the last entry already records (the same log offset) does nothing.
    /// </summary>
    public async Task AppendAsync(long logOffset, IReadOnlyCollection<string> files, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (Count > 0 && logOffset <= LastLogOffset) return;
        var n = Count;
        Files.UnionWith(files);
        // Entry 0 is never compact: a compact entry carries what came before it, and the first one has nothing before it.
        var compact = n > 0 && (n + 1) % CompactInterval == 0;
        var entry = new Entry(logOffset, compact ? Files.Order(StringComparer.Ordinal).ToList() : files.ToList());
        try
        {
            await _store.PutIfAbsentAsync(Key(n, compact), JsonSerializer.SerializeToUtf8Bytes(entry, Json), cancellationToken).ConfigureAwait(false);
        }
        catch (CheckpointConflictException)
        {
            // Written already (by a planning copy that died before the offsets that follow it were written): it lists this
            // epoch's files only if its offset is the same.
            var existing = await ReadAsync(Key(n, compact), cancellationToken).ConfigureAwait(false);
            if (existing.LogOffset != logOffset)
                throw new InvalidOperationException($"File source log {Prefix} entry {n} records log offset {existing.LogOffset}, not {logOffset}: another query writes to this checkpoint.");
        }
        Count = n + 1;
        LastLogOffset = logOffset;
        if (compact) await DeleteBeforeAsync(n, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes <paramref name="files"/>, which an older checkpoint kept in the trigger's state, as the log's first entry:
    /// a compact one, since it stands for every epoch before the log. Does nothing when the log has entries.
    /// </summary>
    public async Task MigrateAsync(IReadOnlyCollection<string> files, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (Count > 0 || files.Count == 0)
        {
            Files.UnionWith(files);
            return;
        }
        var entry = new Entry(files.Count, files.Order(StringComparer.Ordinal).ToList());
        try
        {
            await _store.PutIfAbsentAsync(Key(0, compact: true), JsonSerializer.SerializeToUtf8Bytes(entry, Json), cancellationToken).ConfigureAwait(false);
        }
        catch (CheckpointConflictException)
        {
            // Migrated already by a copy that died before the trigger's state dropped its files.
        }
        Files.UnionWith(files);
        Count = 1;
        LastLogOffset = files.Count;
    }

    private async Task DeleteBeforeAsync(long compacted, CancellationToken cancellationToken)
    {
        foreach (var key in await _store.ListAsync(Prefix, cancellationToken).ConfigureAwait(false))
            if (TryParseKey(key, out var n, out _) && n < compacted) await _store.DeleteAsync(key, null, cancellationToken).ConfigureAwait(false);
    }

    private async Task<Entry> ReadAsync(string key, CancellationToken cancellationToken)
    {
        var blob = await _store.ReadAsync(key, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"File source log entry {key} disappeared while it was read.");
        return JsonSerializer.Deserialize<Entry>(blob.Data, Json) ?? throw new JsonException($"File source log entry {key} is empty.");
    }

    private string Key(long n, bool compact) => Prefix + n.ToString(CultureInfo.InvariantCulture) + (compact ? CompactSuffix : "");

    private bool TryParseKey(string key, out long n, out bool compact)
    {
        n = 0;
        compact = false;
        if (!key.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        var name = key.AsSpan(Prefix.Length);
        compact = name.EndsWith(CompactSuffix, StringComparison.Ordinal);
        if (compact) name = name[..^CompactSuffix.Length];
        return long.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out n);
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed record Entry(long LogOffset, IReadOnlyList<string> Files);
}
