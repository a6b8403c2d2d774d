using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Apache.Arrow;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Plan.Data;

namespace OrleansStream.Engine.Connectors.Ingest;

/// <summary>
/// One partition of an ingest: a segmented, replayable log in the checkpoint store. Offsets count rows from 0. Each flush
/// writes one segment, an Arrow IPC stream named by its start offset and written create-if-absent, so two writers of one
/// partition can never both take an offset (the loser gets <see cref="CheckpointConflictException"/>). The segment's schema
/// metadata lists its appends' (producer, sequence) pairs: a reopened log rebuilds from them which appends it holds, and a
/// retried append is answered with its first offset instead of being stored again.
/// </summary>
public sealed class IngestPartitionLog
{
    /// <summary>How many of a producer's latest appends are remembered for duplicate detection.</summary>
    public const int DedupWindow = 4096;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly ICheckpointStore _store;
    private readonly Schema _schema;
    private readonly List<IngestSegmentHeader> _segments = [];
    private readonly Dictionary<string, ProducerWindow> _producers = new(StringComparer.Ordinal);

    private IngestPartitionLog(ICheckpointStore store, string prefix, Schema schema)
    {
        _store = store;
        Prefix = prefix;
        _schema = schema;
    }

    /// <summary>The key prefix of this partition's segments.</summary>
    public string Prefix { get; }

    /// <summary>The offset after the last durable row: the next append's first offset.</summary>
    public long End { get; private set; }

    /// <summary>The first offset still kept (segments below it were deleted by retention).</summary>
    public long Start => _segments.Count > 0 ? _segments[0].Start : End;

    /// <summary>The segments kept, oldest first.</summary>
    public IReadOnlyList<IngestSegmentHeader> Segments => _segments;

    /// <summary>Opens partition <paramref name="partition"/> of ingest <paramref name="name"/>, reading its segments' headers.</summary>
    public static async Task<IngestPartitionLog> OpenAsync(ICheckpointStore store, string name, int partition, Schema schema, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(schema);
        var log = new IngestPartitionLog(store, IngestCatalog.PartitionPrefix(name, partition), schema);
        foreach (var (key, _) in await ListSegmentsAsync(store, log.Prefix, cancellationToken).ConfigureAwait(false))
        {
            if (await store.ReadAsync(key, cancellationToken).ConfigureAwait(false) is not { } blob) continue; // deleted by retention meanwhile
            log.Add(ReadHeader(blob.Data, key));
        }
        return log;
    }

    /// <summary>The offset at which <paramref name="producerId"/>'s append <paramref name="sequence"/> was stored, if it was (within <see cref="DedupWindow"/>).</summary>
    public bool TryFindAppended(string producerId, long sequence, out long offset)
    {
        offset = 0;
        return _producers.TryGetValue(producerId, out var window) && window.Offsets.TryGetValue(sequence, out offset);
    }

    /// <summary>The highest sequence of <paramref name="producerId"/> this log remembers (within <see cref="DedupWindow"/>), if any: where a restarted producer resumes.</summary>
    public long? LastSequence(string producerId) => _producers.TryGetValue(producerId, out var window) ? window.Last : null;

    /// <summary>
    /// Writes <paramref name="appends"/> (none already stored) as one segment and returns each one's first offset once the
    /// segment is durable.
    /// </summary>
    /// <exception cref="CheckpointConflictException">Another writer took this offset: this log is stale and must be reopened.</exception>
    public async Task<IReadOnlyList<long>> AppendAsync(IReadOnlyList<IngestAppend> appends, long nowMs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(appends);
        if (appends.Count == 0) return [];
        var offsets = new long[appends.Count];
        var entries = new IngestSegmentAppend[appends.Count];
        var batches = new RecordBatch[appends.Count];
        long next = End;
        for (int i = 0; i < appends.Count; i++)
        {
            var a = appends[i];
            offsets[i] = next;
            next += a.Batch.Length;
            entries[i] = new IngestSegmentAppend(a.ProducerId, a.Sequence, a.Batch.Length);
            batches[i] = a.Batch;
        }
        var header = new IngestSegmentHeader(End, next, nowMs, entries);
        var schema = new Schema(_schema.FieldsList, new Dictionary<string, string> { [IngestSegmentHeader.MetadataKey] = JsonSerializer.Serialize(header, Json) });
        var rows = ArrowValues.Concat(_schema, batches);
        var bytes = ArrowIpc.SerializeMany([rows], schema);
        await _store.PutIfAbsentAsync(SegmentKey(End), bytes, cancellationToken).ConfigureAwait(false);
        Add(header);
        return offsets;
    }

    /// <summary>
    /// Deletes the segments that end at or below <paramref name="committedBelow"/> (every reader has committed past them) and
    /// were written before <paramref name="createdBeforeMs"/>, oldest first; returns how many went. The newest segment stays,
    /// so the log still knows its end when reopened.
    /// </summary>
    public async Task<int> TrimAsync(long committedBelow, long createdBeforeMs, CancellationToken cancellationToken)
    {
        int deleted = 0;
        while (_segments.Count > 1 && _segments[0] is var s && s.End <= committedBelow && s.CreatedMs < createdBeforeMs)
        {
            await _store.DeleteAsync(SegmentKey(s.Start), null, cancellationToken).ConfigureAwait(false);
            _segments.RemoveAt(0);
            deleted++;
        }
        return deleted;
    }

    /// <summary>
    /// Reads offsets [<paramref name="start"/>, <paramref name="end"/>) of partition <paramref name="partition"/> of ingest
    /// <paramref name="name"/> from the store (segments are immutable, so any silo can read them), as slices of its segments.
    /// A null start reads from the first segment kept.
    /// </summary>
    /// <exception cref="InvalidOperationException">Part of the range was deleted by retention: the message names the offsets lost.</exception>
    public static async IAsyncEnumerable<RecordBatch> ReadAsync(ICheckpointStore store, string name, int partition, long? start, long end,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var segments = await ListSegmentsAsync(store, IngestCatalog.PartitionPrefix(name, partition), cancellationToken).ConfigureAwait(false);
        if (segments.Count == 0 || segments[0].Start >= end) yield break;
        long from = start ?? segments[0].Start;
        if (from < segments[0].Start)
            throw new InvalidOperationException($"Ingest '{name}' partition {partition}: offsets [{from}, {segments[0].Start}) were deleted by retention before this query read them.");
        for (int i = 0; i < segments.Count; i++)
        {
            var (key, segmentStart) = segments[i];
            if (segmentStart >= end) yield break;
            if (i + 1 < segments.Count && segments[i + 1].Start <= from) continue;
            var blob = await store.ReadAsync(key, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Ingest '{name}' partition {partition}: segment {segmentStart} was deleted by retention before this query read it.");
            long offset = segmentStart;
            foreach (var batch in ArrowIpc.DeserializeMany(blob.Data))
            {
                long lo = Math.Max(from, offset), hi = Math.Min(end, offset + batch.Length);
                if (hi > lo) yield return lo == offset && hi == offset + batch.Length ? batch : batch.Slice((int)(lo - offset), (int)(hi - lo));
                offset += batch.Length;
            }
        }
    }

    private void Add(IngestSegmentHeader header)
    {
        _segments.Add(header);
        long offset = header.Start;
        foreach (var a in header.Appends)
        {
            if (!_producers.TryGetValue(a.Producer, out var window)) _producers[a.Producer] = window = new ProducerWindow();
            window.Remember(a.Sequence, offset);
            offset += a.Rows;
        }
        End = header.End;
    }

    private static IngestSegmentHeader ReadHeader(byte[] data, string key)
    {
        var schema = ArrowIpc.ReadSchema(data);
        return schema.Metadata is { } m && m.TryGetValue(IngestSegmentHeader.MetadataKey, out var json)
            ? JsonSerializer.Deserialize<IngestSegmentHeader>(json, Json) ?? throw new InvalidDataException($"Ingest segment '{key}' has an empty header.")
            : throw new InvalidDataException($"Ingest segment '{key}' has no header: it was not written by an ingest grain.");
    }

    private string SegmentKey(long start) => Prefix + start.ToString("D20", CultureInfo.InvariantCulture) + ".arrow";

    private static async Task<List<(string Key, long Start)>> ListSegmentsAsync(ICheckpointStore store, string prefix, CancellationToken cancellationToken)
    {
        var result = new List<(string, long)>();
        foreach (var key in await store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            var name = key.AsSpan(prefix.Length);
            if (name.EndsWith(".arrow") && long.TryParse(name[..^".arrow".Length], NumberStyles.None, CultureInfo.InvariantCulture, out var start))
                result.Add((key, start));
        }
        result.Sort((a, b) => a.Item2.CompareTo(b.Item2));
        return result;
    }

    private sealed class ProducerWindow
    {
        private readonly Queue<long> _order = new();
        public Dictionary<long, long> Offsets { get; } = [];
        public long Last { get; private set; }

        public void Remember(long sequence, long offset)
        {
            if (!Offsets.TryAdd(sequence, offset)) return;
            Last = Math.Max(Last, sequence);
            _order.Enqueue(sequence);
            if (_order.Count > DedupWindow) Offsets.Remove(_order.Dequeue());
        }
    }
}
