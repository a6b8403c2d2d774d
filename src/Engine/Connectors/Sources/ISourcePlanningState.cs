namespace OrleansStream.Engine.Connectors;

/// <summary>
/// What a source's planning keeps in the query's trigger checkpoint, written with each epoch's offsets. Small by design:
/// a source that must remember more keeps a log of its own under <see cref="SourceContext.MetadataPrefix"/>.
/// </summary>
public interface ISourcePlanningState
{
    /// <summary>When a clock-paced source started, by the silo's clock (ms since the Unix epoch); null before its first plan.</summary>
    long? StartMs { get; set; }

    /// <summary>
    /// The files an older checkpoint's file source kept here, before file sources had a log of their own: a file source
    /// moves them into its log on first load and clears them.
    /// </summary>
    ISet<string> SeenFiles { get; }
}
