namespace OrleansStream.Engine.Planning.Physical;

/// <summary>Where a stage's rows go: input <see cref="InputIndex"/> of stage <see cref="StageId"/>, or the query's sink.</summary>
/// <param name="StageId">The consuming stage; null for the sink.</param>
/// <param name="InputIndex">The consuming keyed operator's input (0 for the sink).</param>
public sealed record StageOutput(int? StageId, int InputIndex)
{
    /// <summary>The query's sink.</summary>
    public static readonly StageOutput Sink = new(null, 0);

    /// <summary>Whether the rows go to the sink.</summary>
    public bool IsSink => StageId is null;

    /// <summary>Input <paramref name="inputIndex"/> of stage <paramref name="stageId"/>.</summary>
    public static StageOutput ToStage(int stageId, int inputIndex) => new(stageId, inputIndex);
}
