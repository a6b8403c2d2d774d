using Apache.Arrow;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Operators;

namespace OrleansStream.Engine.Planning.Physical;

/// <summary>
/// One immutable stage of a physical plan (DESIGN.md §3): its inputs, at most one keyed operator that receives
/// <c>(inputIndex, batch)</c>, a pipeline of stateless operators, and its outputs. A source stage reads one leaf and runs
/// that leaf's pipeline where the rows are read (a source task); a keyed stage runs in partitions that own key groups,
/// its pipeline after its operator. Grains are keyed by <see cref="Id"/>.
/// </summary>
public sealed class Stage
{
    /// <summary>A source stage: reads <paramref name="source"/>'s leaf and runs its operators.</summary>
    public Stage(int id, SourcePipeline source, IReadOnlyList<StageOutput> outputs)
        : this(id, [StageInput.FromLeaf((source ?? throw new ArgumentNullException(nameof(source))).LeafId)], source, null, source.Operators, source.OutputSchema, outputs)
    {
    }

    /// <summary>A keyed stage: <paramref name="keyedOperator"/> over <paramref name="inputs"/>, then <paramref name="pipeline"/>.</summary>
    public Stage(int id, IReadOnlyList<StageInput> inputs, KeyedOperatorSpec keyedOperator, IReadOnlyList<IBatchOperator> pipeline, IReadOnlyList<StageOutput> outputs)
        : this(id, inputs, null, keyedOperator ?? throw new ArgumentNullException(nameof(keyedOperator)), pipeline,
            pipeline is { Count: > 0 } ? pipeline[^1].OutputSchema : keyedOperator.StateOutputSchema, outputs)
    {
        if (inputs.Count == 0 || inputs.Any(i => i.UpstreamStageId is null))
            throw new ArgumentException("A keyed stage reads upstream stages through exchanges.", nameof(inputs));
    }

    private Stage(int id, IReadOnlyList<StageInput> inputs, SourcePipeline? source, KeyedOperatorSpec? keyedOperator,
        IReadOnlyList<IBatchOperator> pipeline, Schema outputSchema, IReadOnlyList<StageOutput> outputs)
    {
        if (id < 0) throw new ArgumentOutOfRangeException(nameof(id), id, "Stage ids are not negative.");
        Id = id;
        Inputs = inputs ?? throw new ArgumentNullException(nameof(inputs));
        Source = source;
        Operator = keyedOperator;
        Pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
        OutputSchema = outputSchema;
        Outputs = outputs ?? throw new ArgumentNullException(nameof(outputs));
    }

    /// <summary>The stage's id in its plan; keyed stages of a chain are numbered 0, 1, ... in the order rows flow.</summary>
    public int Id { get; }

    /// <summary>Where the stage's rows come from.</summary>
    public IReadOnlyList<StageInput> Inputs { get; }

    /// <summary>The leaf pipeline of a source stage (its operators are <see cref="Pipeline"/>); null for a keyed stage.</summary>
    public SourcePipeline? Source { get; }

    /// <summary>The keyed operator; null for a source stage.</summary>
    public KeyedOperatorSpec? Operator { get; }

    /// <summary>Whether the stage runs a keyed operator (and so keeps state in partitions).</summary>
    public bool IsKeyed => Operator is not null;

    /// <summary>The stateless operators: a source stage's run on the leaf's rows, a keyed stage's on its operator's output.</summary>
    public IReadOnlyList<IBatchOperator> Pipeline { get; }

    /// <summary>The schema of the rows the stage hands to its outputs.</summary>
    public Schema OutputSchema { get; }

    /// <summary>Where the stage's rows go (several for a shared subplan or several sinks).</summary>
    public IReadOnlyList<StageOutput> Outputs { get; }

    /// <summary>Runs the keyed stage's pipeline over its operator's output (a source stage runs <see cref="SourcePipeline.Run"/>).</summary>
    public RecordBatch RunPipeline(RecordBatch batch, EpochContext context)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (Source is not null) throw new InvalidOperationException($"Stage {Id} reads a leaf: run its SourcePipeline.");
        foreach (var op in Pipeline) batch = op.Process(batch, context);
        return batch;
    }
}
