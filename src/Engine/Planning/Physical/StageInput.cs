namespace OrleansStream.Engine.Planning.Physical;

/// <summary>
/// One input of a stage: a leaf of the plan (a source or a local relation) read by the stage itself, or an upstream stage
/// whose output reaches this one through an exchange. Several inputs may share an <see cref="InputIndex"/> (a union
/// feeding one side of the keyed operator); a join's sides have different ones.
/// </summary>
/// <param name="InputIndex">The keyed operator's input the rows feed (0 for a stage without a keyed operator).</param>
/// <param name="Exchange">How the rows travel.</param>
/// <param name="UpstreamStageId">The producing stage; null when the stage reads the leaf <paramref name="LeafId"/>.</param>
/// <param name="LeafId">The leaf read (<see cref="SourcePipeline.LeafId"/>); null for an input from a stage.</param>
public sealed record StageInput(int InputIndex, ExchangeKind Exchange, int? UpstreamStageId, string? LeafId)
{
    /// <summary>The stage reads the leaf itself.</summary>
    public static StageInput FromLeaf(string leafId) => new(0, ExchangeKind.Forward, null, leafId ?? throw new ArgumentNullException(nameof(leafId)));

    /// <summary>Rows of stage <paramref name="stageId"/>, hashed to key groups, feed input <paramref name="inputIndex"/>.</summary>
    public static StageInput FromStage(int stageId, int inputIndex) => new(inputIndex, ExchangeKind.KeyGroups, stageId, null);
}
