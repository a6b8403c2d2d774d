using Apache.Arrow;

namespace OrleansStream.Engine.Planning;

/// <summary>The stateless physical plan of a query: one operator pipeline per leaf, all producing <see cref="OutputSchema"/>.</summary>
public sealed class PhysicalPlan
{
    /// <summary>Creates a plan.</summary>
    public PhysicalPlan(Schema outputSchema, IReadOnlyList<SourcePipeline> pipelines)
    {
        OutputSchema = outputSchema ?? throw new ArgumentNullException(nameof(outputSchema));
        Pipelines = pipelines ?? throw new ArgumentNullException(nameof(pipelines));
    }

    /// <summary>The schema of the query's result (every pipeline's output).</summary>
    public Schema OutputSchema { get; }

    /// <summary>One pipeline per leaf, in left-to-right order of the plan. A leaf id appears twice when the same source is
    /// read twice (a self-union): run each batch of that source through every pipeline with its id.</summary>
    public IReadOnlyList<SourcePipeline> Pipelines { get; }
}
