namespace OrleansStream.Grains.Sources;

/// <summary>Per-source planning state kept in the trigger's checkpoint: the files a file source has already taken.</summary>
[GenerateSerializer, Alias("OrleansStream.SourcePlanningState")]
public sealed class SourcePlanningState
{
    /// <summary>Full paths of files already assigned to an epoch.</summary>
    [Id(0)] public HashSet<string> SeenFiles { get; set; } = new(StringComparer.Ordinal);
    /// <summary>When a rate source started, by the silo's clock (ms since the Unix epoch).</summary>
    [Id(1)] public long? StartMs { get; set; }
}
