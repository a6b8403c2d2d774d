using Apache.Arrow;

namespace OrleansStream.Engine.Planning.Physical;

/// <summary>
/// The physical plan of a query: a DAG of immutable <see cref="Stage"/>s (DESIGN.md §3) and the query's watermarks.
/// Stage ids index <see cref="Stages"/>. Keyed stages come first, numbered in the order the planner meets them (an
/// upstream stage before its consumers), which for a chain is the order rows flow through it: so the keyed stages of a
/// chain have the ids its stateful operators had when the plan was a list, and their state keeps its checkpoint location.
/// Source stages, which keep no state, follow in left-to-right order of the leaves.
/// </summary>
public sealed class PhysicalPlan
{
    /// <summary>Creates a plan from its stages, indexed by id.</summary>
    public PhysicalPlan(Schema outputSchema, IReadOnlyList<Stage> stages, IReadOnlyList<WatermarkSpec>? watermarks = null)
    {
        OutputSchema = outputSchema ?? throw new ArgumentNullException(nameof(outputSchema));
        Stages = stages ?? throw new ArgumentNullException(nameof(stages));
        Watermarks = watermarks ?? [];
        for (var i = 0; i < stages.Count; i++)
            if (stages[i].Id != i) throw new ArgumentException($"Stage {stages[i].Id} sits at index {i}: stages are indexed by id.", nameof(stages));
        KeyedStages = stages.Where(s => s.IsKeyed).ToList();
        SourceStages = stages.Where(s => !s.IsKeyed).ToList();
        if (KeyedStages.Count > 0 && KeyedStages[^1].Id != KeyedStages.Count - 1)
            throw new ArgumentException("Keyed stages take the first ids.", nameof(stages));
        foreach (var stage in stages)
            foreach (var input in stage.Inputs)
                if (input.UpstreamStageId is { } up && (up >= stages.Count || (stages[up].IsKeyed && up >= stage.Id)))
                    throw new ArgumentException($"Stage {stage.Id} reads stage {up}, which is not an earlier stage of the plan.", nameof(stages));
        Waves = WavesOf(KeyedStages, stages);
        Pipelines = SourceStages.Select(s => s.Source!).ToList();
        StatefulOperators = KeyedStages.Select(s => s.Operator!).ToList();
    }

    /// <summary>Every stage, indexed by id.</summary>
    public IReadOnlyList<Stage> Stages { get; }

    /// <summary>The stages that run a keyed operator in partitions, by id (an upstream stage before its consumers).</summary>
    public IReadOnlyList<Stage> KeyedStages { get; }

    /// <summary>The stages that read a leaf, in left-to-right order of the leaves.</summary>
    public IReadOnlyList<Stage> SourceStages { get; }

    /// <summary>
    /// The keyed stages in waves: a stage's keyed upstream stages all sit in earlier waves, so the stages of one wave can
    /// finish an epoch at the same time, once the waves before them have handed on their rows.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<Stage>> Waves { get; }

    /// <summary>The withWatermark nodes.</summary>
    public IReadOnlyList<WatermarkSpec> Watermarks { get; }

    /// <summary>Whether the query keeps state.</summary>
    public bool IsStateful => KeyedStages.Count > 0;

    /// <summary>The schema of the query's result (every stage that outputs to the sink produces it).</summary>
    public Schema OutputSchema { get; }

    /// <summary>The source stages' leaf pipelines, in left-to-right order of the leaves. A leaf id appears twice when the
    /// same source is read twice (a self-union).</summary>
    public IReadOnlyList<SourcePipeline> Pipelines { get; }

    /// <summary>The keyed stages' operators, by stage id.</summary>
    public IReadOnlyList<KeyedOperatorSpec> StatefulOperators { get; }

    /// <summary>Whether a source stage hands rows straight to the sink (a stateless query, or a stateless branch of a union).</summary>
    public bool SourcesOutputToSink => SourceStages.Any(s => s.Outputs.Any(o => o.IsSink));

    /// <summary>
    /// The watermark (ms) keyed stage <paramref name="stageId"/> runs with when the query's global watermark is
    /// <paramref name="globalWatermarkMs"/> (Spark's per-operator watermark propagation): the lowest output watermark of
    /// the keyed stages feeding it, or the global watermark for rows that come straight from the sources. It decides both
    /// which input is late (applied to the previous epoch's global watermark) and what state is final.
    /// </summary>
    public long InputWatermarkMs(int stageId, long globalWatermarkMs)
    {
        long? lowest = null;
        foreach (var input in Stages[stageId].Inputs)
        {
            var watermark = input.UpstreamStageId is { } up && Stages[up].IsKeyed
                ? Stages[up].Operator!.OutputWatermarkMs(InputWatermarkMs(up, globalWatermarkMs))
                : globalWatermarkMs;
            lowest = lowest is { } l ? Math.Min(l, watermark) : watermark;
        }
        return lowest ?? globalWatermarkMs;
    }

    /// <summary>The source stages that read <paramref name="leafId"/> (one, or several for a self-union).</summary>
    public IEnumerable<Stage> StagesReading(string leafId) => SourceStages.Where(s => s.Source!.LeafId == leafId);

    /// <summary>Whether <paramref name="leafId"/> feeds only inputs read in a query's first epoch (transformWithState's
    /// initial state), so that later epochs need not read it.</summary>
    public bool ReadsOnlyInFirstEpoch(string leafId) => StagesReading(leafId).All(s => s.Outputs.All(o =>
        o.StageId is { } target && Stages[target].Operator!.ReadsOnlyInFirstEpoch(o.InputIndex)));

    private static List<IReadOnlyList<Stage>> WavesOf(IReadOnlyList<Stage> keyed, IReadOnlyList<Stage> all)
    {
        var depth = new int[all.Count];
        var waves = new List<IReadOnlyList<Stage>>();
        // Keyed stages are in dependency order, so every keyed upstream's depth is known when a stage is reached.
        foreach (var stage in keyed)
        {
            var d = 0;
            foreach (var input in stage.Inputs)
                if (input.UpstreamStageId is { } up && all[up].IsKeyed) d = Math.Max(d, depth[up] + 1);
            depth[stage.Id] = d;
            while (waves.Count <= d) waves.Add(new List<Stage>());
            ((List<Stage>)waves[d]).Add(stage);
        }
        return waves;
    }
}
