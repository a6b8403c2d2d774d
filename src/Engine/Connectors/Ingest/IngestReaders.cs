using System.Text.Json;
using OrleansStream.Engine.Checkpointing;

namespace OrleansStream.Engine.Connectors.Ingest;

/// <summary>
/// What each query reading an ingest has committed, per partition, under <c>ingest/&lt;name&gt;/readers/</c>: retention deletes
/// a segment only once every reader is past it. A reader's record is written by its query's planning (create-if-absent, then
/// by ETag) and only moves forward.
/// </summary>
public static class IngestReaders
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Records that reader <paramref name="readerId"/> will never again read below <paramref name="committed"/> (offset per partition).</summary>
    public static async Task ReportAsync(ICheckpointStore store, string name, string readerId, IReadOnlyList<long> committed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(committed);
        var key = ReadersPrefix(name) + Uri.EscapeDataString(readerId);
        for (int attempt = 0; ; attempt++)
        {
            var current = await store.ReadAsync(key, cancellationToken).ConfigureAwait(false);
            var merged = committed.ToArray();
            if (current is not null)
            {
                var old = JsonSerializer.Deserialize<long[]>(current.Data, Json) ?? [];
                for (int p = 0; p < Math.Min(old.Length, merged.Length); p++) merged[p] = Math.Max(merged[p], old[p]);
                if (merged.AsSpan().SequenceEqual(old)) return;
            }
            var data = JsonSerializer.SerializeToUtf8Bytes(merged, Json);
            try
            {
                if (current is null) await store.PutIfAbsentAsync(key, data, cancellationToken).ConfigureAwait(false);
                else await store.ReplaceAsync(key, data, current.ETag, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (CheckpointConflictException) when (attempt < 3)
            {
                // Another planning copy of the same query wrote first: merge with what it wrote.
            }
        }
    }

    /// <summary>The lowest offset of <paramref name="partition"/> that some reader may still read; null when no query reads the ingest.</summary>
    public static async Task<long?> MinimumAsync(ICheckpointStore store, string name, int partition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        long? min = null;
        foreach (var key in await store.ListAsync(ReadersPrefix(name), cancellationToken).ConfigureAwait(false))
        {
            if (await store.ReadAsync(key, cancellationToken).ConfigureAwait(false) is not { } blob) continue;
            var offsets = JsonSerializer.Deserialize<long[]>(blob.Data, Json) ?? [];
            long committed = partition < offsets.Length ? offsets[partition] : 0;
            min = min is { } m ? Math.Min(m, committed) : committed;
        }
        return min;
    }

    private static string ReadersPrefix(string name) => IngestCatalog.Prefix(name) + "readers/";
}
