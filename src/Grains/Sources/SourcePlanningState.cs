using OrleansStream.Engine.Connectors;

namespace OrleansStream.Grains.Sources;

/// <summary>Per-source planning state kept in the trigger's checkpoint (see <see cref="ISourcePlanningState"/>).</summary>
[GenerateSerializer, Alias("OrleansStream.SourcePlanningState")]
public sealed class SourcePlanningState : ISourcePlanningState
{
    /// <summary>Full paths of files already assigned to an epoch, as older checkpoints kept them (file sources now keep a log of their own).</summary>
    [Id(0)] public HashSet<string> SeenFiles { get; set; } = new(StringComparer.Ordinal);

    ISet<string> ISourcePlanningState.SeenFiles => SeenFiles;
    /// <summary>When a rate source started, by the silo's clock (ms since the Unix epoch).</summary>
    [Id(1)] public long? StartMs { get; set; }
}
