using System.Globalization;
using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Interfaces.Sources;

namespace OrleansStream.Grains.Sources;

/// <summary>The test memory stream: offsets count the entries added to the stream.</summary>
internal sealed class MemorySourceConnector(IGrainFactory grains, string sessionKey, string streamId, Schema schema) : ISourceConnector
{
    private IMemoryStreamGrain Grain => grains.GetGrain<IMemoryStreamGrain>(sessionKey);

    public Schema Schema => schema;
    public int NumPartitions => 1;
    public string Description => $"MemoryStream[{string.Join(",", schema.FieldsList.Select(f => f.Name))}]";

    public async Task<string?> PlanAsync(string? previousEnd, SourcePlanningState state, string? bound, CancellationToken cancellationToken)
    {
        var latest = await Grain.GetLatestOffsetAsync(streamId);
        if (bound is not null) latest = Math.Min(latest, Parse(bound));
        return latest > Parse(previousEnd) ? Format(latest) : null;
    }

    public async Task<string?> CaptureBoundAsync(SourcePlanningState state, CancellationToken cancellationToken) =>
        Format(await Grain.GetLatestOffsetAsync(streamId));

    public async Task<IReadOnlyList<RecordBatch>> ReadAsync(string? start, string end, int partition, int numPartitions, CancellationToken cancellationToken)
    {
        var entries = await Grain.ReadAsync(streamId, Parse(start), Parse(end));
        return entries.Select(bytes => ArrowIpc.Deserialize(bytes)).ToList();
    }

    // Offsets are entry counts; Spark's MemoryStream writes them as plain numbers too.
    private static long Parse(string? offset) => offset is null ? 0 : long.Parse(offset, CultureInfo.InvariantCulture);
    private static string Format(long offset) => offset.ToString(CultureInfo.InvariantCulture);
}
