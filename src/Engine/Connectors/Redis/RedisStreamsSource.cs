using System.Runtime.CompilerServices;
using System.Text;
using Apache.Arrow;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Sources;
using StackExchange.Redis;

namespace OrleansStream.Engine.Connectors.Redis;

/// <summary>
/// Redis Streams as a replayable source: an epoch's offset holds, per stream key, the id of the last entry it reads, and a
/// source task reads its streams' entries in (start, end] with XRANGE in pages, so a replay reads exactly the same entries
/// (as long as nobody deleted them: Redis keeps what was read until the user trims it). Each stream key is read by one
/// source task (with a pattern, the keys are spread over <see cref="RedisStreamsOptions.NumPartitions"/> tasks by their
/// place in the offset). Planning asks every stream for its last id, in one round trip per stream, pipelined.
/// </summary>
internal sealed class RedisStreamsSource : StreamSource<RedisStreamsOffset>
{
    // Entries per XRANGE call and per batch: a batch is a few hundred KB of columns for typical entries.
    internal const int PageSize = 1000;
    // What an entry is assumed to cost when the memory budget, not the option, bounds an epoch.
    private const int EntryBytes = 1024;
    private const string StartingOffsetsKey = "startingOffsets";

    private readonly RedisStreamsOptions _options;
    private readonly RedisConnections _connections;
    private readonly long _maxEntries;
    private readonly ICheckpointStore? _store;
    private readonly string? _metadataPrefix;
    private RedisStreamsOffset? _initial;

    public RedisStreamsSource(RedisStreamsOptions options, RedisConnections connections, long memoryBudgetBytes, ICheckpointStore? store, string? metadataPrefix)
    {
        _options = options;
        _connections = connections;
        _maxEntries = EpochAdmission.MaxRows(options.MaxEntriesPerTrigger, memoryBudgetBytes, EntryBytes);
        _store = metadataPrefix is null ? null : store;
        _metadataPrefix = metadataPrefix;
    }

    public override Schema Schema => _options.Schema;
    public override int NumPartitions => _options.NumPartitions;
    public override string Description => _options.Pattern is { } pattern ? $"RedisStreams[pattern={pattern}]" : $"RedisStreams[{string.Join(",", _options.Streams)}]";

    public override string SerializeOffset(RedisStreamsOffset offset) => offset.ToJson();
    public override RedisStreamsOffset DeserializeOffset(string json) => RedisStreamsOffset.Parse(json);

    /// <summary>Refuses a query whose server cannot be reached or whose listed streams do not exist, naming the option.</summary>
    public override async Task ValidateAsync(CancellationToken cancellationToken)
    {
        var db = await _connections.DatabaseAsync(_options, cancellationToken).ConfigureAwait(false);
        var types = await Task.WhenAll(_options.Streams.Select(s => db.KeyTypeAsync(s))).ConfigureAwait(false);
        for (var i = 0; i < types.Length; i++)
        {
            if (types[i] == RedisType.Stream) continue;
            throw new ArgumentException(types[i] == RedisType.None
                ? $"Option 'streams': stream '{_options.Streams[i]}' does not exist at {_options.Host} (a stream key exists once an entry was added with XADD, or after XGROUP CREATE {_options.Streams[i]} <group> $ MKSTREAM)."
                : $"Option 'streams': key '{_options.Streams[i]}' at {_options.Host} is a {types[i].ToString().ToLowerInvariant()}, not a stream.");
        }
    }

    protected override async Task<RedisStreamsOffset?> LatestOffsetAsync(RedisStreamsOffset? previous, RedisStreamsOffset? bound, ISourcePlanningState state, CancellationToken cancellationToken)
    {
        var db = await _connections.DatabaseAsync(_options, cancellationToken).ConfigureAwait(false);
        var start = previous ?? await InitialAsync(db, cancellationToken).ConfigureAwait(false);
        var (keys, latest) = await LatestAsync(db, start, cancellationToken).ConfigureAwait(false);
        // Trigger.AvailableNow: nothing beyond what was there when it started; a stream it did not know then has nothing.
        if (bound is not null)
            for (var i = 0; i < keys.Count; i++) latest[i] = RedisStreamId.Min(latest[i], RedisStreamId.Max(bound[keys[i]], start[keys[i]]));
        var ends = new RedisStreamId[keys.Count];
        var behind = new List<int>();
        for (var i = 0; i < keys.Count; i++)
        {
            ends[i] = RedisStreamId.Max(start[keys[i]], latest[i]);
            if (latest[i] > start[keys[i]]) behind.Add(i);
        }
        await AdmitAsync(db, keys, start, ends, behind).ConfigureAwait(false);
        var streamsBehind = behind.Count(i => ends[i] < latest[i]);
        SetBacklog("streamsBehindLatest", streamsBehind);
        if (behind.Count == 0) return null;
        var end = RedisStreamsOffset.Of(keys.Select((k, i) => KeyValuePair.Create(k, ends[i])));
        return previous is null ? end with { Start = start.Streams } : end;
    }

    protected override async Task<RedisStreamsOffset?> AvailableNowBoundAsync(ISourcePlanningState state, CancellationToken cancellationToken)
    {
        var db = await _connections.DatabaseAsync(_options, cancellationToken).ConfigureAwait(false);
        var (keys, latest) = await LatestAsync(db, RedisStreamsOffset.Of([]), cancellationToken).ConfigureAwait(false);
        return RedisStreamsOffset.Of(keys.Select((k, i) => KeyValuePair.Create(k, latest[i])));
    }

    protected override async IAsyncEnumerable<RecordBatch> ReadAsync(RedisStreamsOffset? start, RedisStreamsOffset end, SourcePartition partition, Schema columns,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var db = await _connections.DatabaseAsync(_options, cancellationToken).ConfigureAwait(false);
        var decoder = new RedisEntryDecoder(columns);
        var index = 0;
        foreach (var (key, to) in end.Streams)
        {
            if (index++ % partition.Count != partition.Index) continue;
            // The first epoch starts where startingOffsets resolved to; a stream that appeared since starts at its first entry.
            var from = start is not null ? start[key] : end.Start?.GetValueOrDefault(key) ?? RedisStreamId.Zero;
            while (from < to)
            {
                var page = await db.StreamRangeAsync(key, "(" + from, to.ToString(), PageSize).ConfigureAwait(false);
                if (page.Length == 0) break;
                yield return decoder.Decode(key, page);
                from = RedisStreamId.Parse(page[^1].Id.ToString());
                if (page.Length < PageSize) break;
            }
        }
    }

    /// <summary>
    /// Lowers <paramref name="ends"/> so that the epoch takes at most the admitted entries, split evenly over the streams with
    /// new entries (at least one each, so that none starves). A stream no longer than its share needs no look; a longer one is
    /// read up to its share (ids only matter) to find the last id admitted.
    /// </summary>
    private async Task AdmitAsync(IDatabase db, IReadOnlyList<string> keys, RedisStreamsOffset start, RedisStreamId[] ends, List<int> behind)
    {
        if (behind.Count == 0 || _maxEntries == long.MaxValue) return;
        var share = _maxEntries / behind.Count;
        var extra = _maxEntries % behind.Count;
        await Task.WhenAll(behind.Select(async (i, n) =>
        {
            var quota = (int)Math.Clamp(share + (n < extra ? 1 : 0), 1, int.MaxValue);
            if (await db.StreamLengthAsync(keys[i]).ConfigureAwait(false) <= quota) return;
            var admitted = await db.StreamRangeAsync(keys[i], "(" + start[keys[i]], ends[i].ToString(), quota).ConfigureAwait(false);
            if (admitted.Length == quota) ends[i] = RedisStreamId.Parse(admitted[^1].Id.ToString());
        })).ConfigureAwait(false);
    }

    /// <summary>The stream keys to plan (the listed ones; with a pattern, those of <paramref name="start"/> and those that match now) and each one's last id.</summary>
    private async Task<(IReadOnlyList<string> Keys, RedisStreamId[] Latest)> LatestAsync(IDatabase db, RedisStreamsOffset start, CancellationToken cancellationToken)
    {
        var keys = _options.Pattern is null ? _options.Streams
            : (await ScanAsync(db, cancellationToken).ConfigureAwait(false)).Union(start.Streams.Keys).Order(StringComparer.Ordinal).ToList();
        var latest = await Task.WhenAll(keys.Select(k => LastIdAsync(db, k))).ConfigureAwait(false);
        return (keys, latest);
    }

    // XREVRANGE key + - COUNT 1: 0-0 for an empty or missing stream.
    private static async Task<RedisStreamId> LastIdAsync(IDatabase db, string key)
    {
        var last = await db.StreamRangeAsync(key, "-", "+", 1, Order.Descending).ConfigureAwait(false);
        return last.Length == 0 ? RedisStreamId.Zero : RedisStreamId.Parse(last[0].Id.ToString());
    }

    // SCAN ... MATCH pattern TYPE stream, to the end of the keyspace.
    private async Task<List<string>> ScanAsync(IDatabase db, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        var cursor = "0";
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            var reply = (RedisResult[])(await db.ExecuteAsync("SCAN", cursor, "MATCH", _options.Pattern!, "COUNT", 1000, "TYPE", "stream").ConfigureAwait(false))!;
            cursor = (string)reply[0]!;
            keys.AddRange(((RedisResult[])reply[1]!).Select(k => (string)k!));
        }
        while (cursor != "0");
        return keys;
    }

    /// <summary>
    /// Where the query starts: what startingOffsets resolved to when it first planned. Kept in the query's checkpoint (as
    /// Spark's Kafka source keeps its initial offsets), so that "latest" means the same ids until the first epoch is written
    /// ahead, however often the query restarts before any entry arrives.
    /// </summary>
    private async Task<RedisStreamsOffset> InitialAsync(IDatabase db, CancellationToken cancellationToken)
    {
        if (_initial is not null) return _initial;
        var key = _metadataPrefix + StartingOffsetsKey;
        if (_store is not null && await _store.ReadAsync(key, cancellationToken).ConfigureAwait(false) is { } stored)
            return _initial = RedisStreamsOffset.Parse(Encoding.UTF8.GetString(stored.Data));
        var keys = _options.Pattern is null ? _options.Streams : await ScanAsync(db, cancellationToken).ConfigureAwait(false);
        var ids = await Task.WhenAll(keys.Select(async k => _options.StartOf(k) ?? await LastIdAsync(db, k).ConfigureAwait(false))).ConfigureAwait(false);
        var initial = RedisStreamsOffset.Of(keys.Select((k, i) => KeyValuePair.Create(k, ids[i])));
        if (_store is null) return _initial = initial;
        try
        {
            await _store.PutIfAbsentAsync(key, Encoding.UTF8.GetBytes(initial.ToJson()), cancellationToken).ConfigureAwait(false);
            return _initial = initial;
        }
        catch (CheckpointConflictException)
        {
            var winner = await _store.ReadAsync(key, cancellationToken).ConfigureAwait(false);
            return _initial = RedisStreamsOffset.Parse(Encoding.UTF8.GetString(winner!.Data));
        }
    }
}
