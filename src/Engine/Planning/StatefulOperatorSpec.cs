using Apache.Arrow;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Operators;

namespace OrleansStream.Engine.Planning;

/// <summary>
/// One stateful operator of a physical plan, as both sides of its shuffle need it: the exchange writer that prepares its
/// input where rows are produced, the keyed operator that runs in its state partitions, and the stateless operators that
/// follow it up to the next stateful operator or the sink.
/// </summary>
public abstract class StatefulOperatorSpec
{
    /// <summary>Creates the spec.</summary>
    protected StatefulOperatorSpec(int id, Schema inputSchema)
    {
        Id = id;
        InputSchema = inputSchema ?? throw new ArgumentNullException(nameof(inputSchema));
    }

    /// <summary>The operator's id inside the query (0 for the first in the chain); keys its state in the checkpoint.</summary>
    public int Id { get; }

    /// <summary>The rows the operator consumes (before the exchange).</summary>
    public Schema InputSchema { get; }

    /// <summary>Spark's operator name in progress reports ("stateStoreSave", "dedupe", "sessionWindowStateStoreSaveExec").</summary>
    public abstract string Name { get; }

    /// <summary>The schema of the keyed operator's output (before <see cref="PostOperators"/>).</summary>
    public abstract Schema StateOutputSchema { get; }

    /// <summary>Whether the operator's keys carry event time, so that a moving watermark makes state final or evictable.</summary>
    public abstract bool UsesWatermark { get; }

    /// <summary>Stateless operators after this one.</summary>
    public IList<IBatchOperator> PostOperators { get; } = new List<IBatchOperator>();

    /// <summary>The schema after <see cref="PostOperators"/>.</summary>
    public Schema OutputSchema => PostOperators.Count == 0 ? StateOutputSchema : PostOperators[^1].OutputSchema;

    /// <summary>A new exchange writer (one per producer per epoch).</summary>
    public abstract IExchangeWriter CreateExchangeWriter();

    /// <summary>A new keyed operator with empty state (one per state partition).</summary>
    public abstract IStatefulOperator CreateOperator(string outputMode);

    /// <summary>Applies <see cref="PostOperators"/>.</summary>
    public RecordBatch RunPost(RecordBatch batch, EpochContext context)
    {
        ArgumentNullException.ThrowIfNull(batch);
        foreach (var op in PostOperators) batch = op.Process(batch, context);
        return batch;
    }
}
