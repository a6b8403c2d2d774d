using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Apache.Arrow;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Connectors.Ingest;
using OrleansStream.Interfaces.Ingest;

namespace OrleansStream.Grains.Ingest;

/// <summary>
/// Reads an ingest: one source task per ingest partition, each reading its partition's offset range straight from the
/// segments in the checkpoint store. Planning asks each partition's grain for its durable end, and reports to the ingest
/// the offsets this query can no longer read below, so that retention may delete what every reader is past.
/// </summary>
internal sealed class IngestStreamSource(IGrainFactory grains, ICheckpointStore store, IngestDeclaration declaration, Schema schema, string? readerId)
    : StreamSource<IngestOffset>
{
    // Epochs planned from here on may still run again after a failure until their commit is durable, which may ride on the
    // next epoch's write-ahead record: the start of the epoch two plans back is the first offset such a replay can read.
    private const int PlansUntilCommitted = 2;
    private readonly Queue<IngestOffset> _planned = new();

    public override Schema Schema => schema;
    public override int NumPartitions => declaration.Partitions;
    public override string Description => $"IngestSource[{declaration.Name}]";

    public override string SerializeOffset(IngestOffset offset)
    {
        var partitions = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (int p = 0; p < offset.Partitions.Count; p++) partitions[p.ToString(CultureInfo.InvariantCulture)] = offset.Partitions[p];
        return JsonSerializer.Serialize(new Dictionary<string, SortedDictionary<string, long>> { [declaration.Name] = partitions });
    }

    public override IngestOffset DeserializeOffset(string json)
    {
        var parsed = JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, long>>>(json)
            ?? throw new JsonException($"Empty offset of ingest '{declaration.Name}'.");
        var partitions = parsed.TryGetValue(declaration.Name, out var p) ? p
            : throw new JsonException($"The offset '{json}' is not one of ingest '{declaration.Name}'.");
        var ends = new long[declaration.Partitions];
        foreach (var (key, value) in partitions) ends[int.Parse(key, CultureInfo.InvariantCulture)] = value;
        return new IngestOffset(ends);
    }

    protected override async Task<IngestOffset?> LatestOffsetAsync(IngestOffset? previous, IngestOffset? bound, ISourcePlanningState state, CancellationToken cancellationToken)
    {
        if (previous is not null) await ReportCommittedAsync(previous, cancellationToken).ConfigureAwait(false);
        var ends = await EndsAsync().ConfigureAwait(false);
        var any = false;
        for (int p = 0; p < ends.Length; p++)
        {
            if (bound is not null) ends[p] = Math.Min(ends[p], bound.Partitions[p]);
            var from = previous?.Partitions[p] ?? 0;
            if (ends[p] < from) ends[p] = from;
            any |= ends[p] > from;
        }
        return any ? new IngestOffset(ends) : null;
    }

    protected override async Task<IngestOffset?> AvailableNowBoundAsync(ISourcePlanningState state, CancellationToken cancellationToken) =>
        new(await EndsAsync().ConfigureAwait(false));

    protected override async IAsyncEnumerable<RecordBatch> ReadAsync(IngestOffset? start, IngestOffset end, SourcePartition partition, Schema columns,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var p = partition.Index;
        await foreach (var batch in IngestPartitionLog.ReadAsync(store, declaration.Name, p, start?.Partitions[p], end.Partitions[p], cancellationToken).ConfigureAwait(false))
            yield return batch;
    }

    private async Task<long[]> EndsAsync()
    {
        var calls = new Task<long>[declaration.Partitions];
        for (int p = 0; p < calls.Length; p++)
            calls[p] = grains.GetGrain<IIngestGrain>($"{declaration.Name}/{p.ToString(CultureInfo.InvariantCulture)}").GetEndOffsetAsync();
        return await Task.WhenAll(calls).ConfigureAwait(false);
    }

    private async Task ReportCommittedAsync(IngestOffset previous, CancellationToken cancellationToken)
    {
        if (readerId is null) return;
        if (_planned.Count == 0 || !_planned.Last().Partitions.SequenceEqual(previous.Partitions)) _planned.Enqueue(previous);
        if (_planned.Count <= PlansUntilCommitted) return;
        var committed = _planned.Dequeue();
        await IngestReaders.ReportAsync(store, declaration.Name, readerId, committed.Partitions, cancellationToken).ConfigureAwait(false);
    }
}
