using Apache.Arrow;

namespace OrleansStream.Engine.Planning;

/// <summary>
/// The physical plan of a query: one stateless pipeline per leaf up to the first stateful operator (or the root), then the
/// chain of stateful operators, each followed by its stateless operators; and the query's watermarks.
/// </summary>
public sealed class PhysicalPlan
{
    /// <summary>Creates a plan.</summary>
    public PhysicalPlan(Schema outputSchema, IReadOnlyList<SourcePipeline> pipelines,
        IReadOnlyList<StatefulOperatorSpec>? statefulOperators = null, IReadOnlyList<WatermarkSpec>? watermarks = null)
    {
        StatefulOperators = statefulOperators ?? [];
        Watermarks = watermarks ?? [];
        OutputSchema = outputSchema ?? throw new ArgumentNullException(nameof(outputSchema));
        Pipelines = pipelines ?? throw new ArgumentNullException(nameof(pipelines));
    }

    /// <summary>The stateful operators in the order rows flow through them (empty for a stateless query).</summary>
    public IReadOnlyList<StatefulOperatorSpec> StatefulOperators { get; }

    /// <summary>The withWatermark nodes.</summary>
    public IReadOnlyList<WatermarkSpec> Watermarks { get; }

    /// <summary>Whether the query keeps state.</summary>
    public bool IsStateful => StatefulOperators.Count > 0;

    /// <summary>The schema of the query's result.</summary>
    public Schema OutputSchema { get; }

    /// <summary>One pipeline per leaf, in left-to-right order of the plan. A leaf id appears twice when the same source is
    /// read twice (a self-union): run each batch of that source through every pipeline with its id.</summary>
    public IReadOnlyList<SourcePipeline> Pipelines { get; }
}
