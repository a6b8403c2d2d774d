using Apache.Arrow;
using OrleansStream.Engine.Execution;

namespace OrleansStream.Engine.Operators;

/// <summary>
/// A stateless physical operator: maps one input batch to one output batch (possibly empty, possibly the
/// same instance). Instances are built once per plan and reused for every batch; they hold no per-epoch state.
/// </summary>
public interface IBatchOperator
{
    /// <summary>The schema of every batch <see cref="Process"/> returns.</summary>
    Schema OutputSchema { get; }

    /// <summary>Transforms <paramref name="input"/>. Must be deterministic given the input and <paramref name="context"/>.</summary>
    RecordBatch Process(RecordBatch input, EpochContext context);
}
