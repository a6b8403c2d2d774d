using Apache.Arrow;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Operators;

namespace OrleansStream.Engine.Planning;

/// <summary>The chain of stateless operators that carries one leaf's batches (a source or a local relation) to the root.</summary>
public sealed class SourcePipeline
{
    /// <summary>Creates a pipeline.</summary>
    public SourcePipeline(string leafId, LogicalPlan leaf, Schema inputSchema, IReadOnlyList<IBatchOperator> operators)
    {
        LeafId = leafId ?? throw new ArgumentNullException(nameof(leafId));
        Leaf = leaf ?? throw new ArgumentNullException(nameof(leaf));
        InputSchema = inputSchema ?? throw new ArgumentNullException(nameof(inputSchema));
        Operators = operators ?? throw new ArgumentNullException(nameof(operators));
        OutputSchema = operators.Count == 0 ? inputSchema : operators[^1].OutputSchema;
    }

    /// <summary><see cref="SourceRelation.SourceId"/>, or "local:{n}" for the n-th <see cref="LocalRelation"/> (0-based, left to right).</summary>
    public string LeafId { get; }

    /// <summary>The leaf node (a <see cref="SourceRelation"/> or a <see cref="LocalRelation"/>).</summary>
    public LogicalPlan Leaf { get; }

    /// <summary>The schema of the batches the leaf produces.</summary>
    public Schema InputSchema { get; }

    /// <summary>The operators, applied in order.</summary>
    public IReadOnlyList<IBatchOperator> Operators { get; }

    /// <summary>The schema of every batch <see cref="Run"/> returns (the plan's output schema).</summary>
    public Schema OutputSchema { get; }

    /// <summary>Applies the operators to one batch of the leaf.</summary>
    public RecordBatch Run(RecordBatch input, EpochContext ctx)
    {
        ArgumentNullException.ThrowIfNull(input);
        var batch = input;
        foreach (var op in Operators) batch = op.Process(batch, ctx);
        return batch;
    }
}
