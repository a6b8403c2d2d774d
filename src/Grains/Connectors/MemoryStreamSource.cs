using System.Globalization;
using System.Runtime.CompilerServices;
using Apache.Arrow;
using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Data;
using OrleansStream.Interfaces.Sources;

namespace OrleansStream.Grains.Connectors;

/// <summary>The test memory stream: offsets count the entries added to the stream.</summary>
internal sealed class MemoryStreamSource(IGrainFactory grains, string sessionKey, string streamId, Schema schema) : StreamSource<MemoryOffset>
{
    private IMemoryStreamGrain Grain => grains.GetGrain<IMemoryStreamGrain>(sessionKey);

    public override Schema Schema => schema;
    public override string Description => $"MemoryStream[{string.Join(",", schema.FieldsList.Select(f => f.Name))}]";

    // Offsets are entry counts; Spark's MemoryStream writes them as plain numbers too.
    public override string SerializeOffset(MemoryOffset offset) => offset.Entries.ToString(CultureInfo.InvariantCulture);
    public override MemoryOffset DeserializeOffset(string json) => new(long.Parse(json, CultureInfo.InvariantCulture));

    protected override Task<MemoryOffset?> LatestOffsetAsync(MemoryOffset? previous, MemoryOffset? bound, ISourcePlanningState state, CancellationToken cancellationToken) =>
        LatestOffsetAsync(previous, bound, state, new SourcePlanningRound(), cancellationToken);

    // The session's streams are read once per planning round, at one instant of their grain: one AddDataAsync of several
    // streams is in the round for all of them or for none, so it lands in one epoch.
    protected override async Task<MemoryOffset?> LatestOffsetAsync(MemoryOffset? previous, MemoryOffset? bound, ISourcePlanningState state, SourcePlanningRound round,
        CancellationToken cancellationToken)
    {
        var latest = await LatestOffsetAsync(round, cancellationToken);
        if (bound is not null) latest = Math.Min(latest, bound.Entries);
        return latest > (previous?.Entries ?? 0) ? new MemoryOffset(latest) : null;
    }

    protected override Task<MemoryOffset?> AvailableNowBoundAsync(ISourcePlanningState state, CancellationToken cancellationToken) =>
        AvailableNowBoundAsync(state, new SourcePlanningRound(), cancellationToken);

    protected override async Task<MemoryOffset?> AvailableNowBoundAsync(ISourcePlanningState state, SourcePlanningRound round, CancellationToken cancellationToken) =>
        new(await LatestOffsetAsync(round, cancellationToken));

    private async Task<long> LatestOffsetAsync(SourcePlanningRound round, CancellationToken cancellationToken) =>
        (await round.ShareAsync($"memory:{sessionKey}", _ => Grain.GetLatestOffsetsAsync(), cancellationToken)).GetValueOrDefault(streamId);

    protected override async IAsyncEnumerable<RecordBatch> ReadAsync(MemoryOffset? start, MemoryOffset end, SourcePartition partition, Schema columns,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var bytes in await Grain.ReadAsync(streamId, start?.Entries ?? 0, end.Entries)) yield return ArrowIpc.Deserialize(bytes);
    }
}
