using Apache.Arrow;
using OrleansStream.Engine.Operators;

namespace OrleansStream.Engine.Planning.Physical;

/// <summary>
/// The keyed operator of a stage (DESIGN.md §3), as both sides of its exchange need it: the exchange writer that prepares
/// each of its inputs where the rows are produced, and the operator that runs in the stage's partitions and receives
/// <c>(inputIndex, batch)</c>. Aggregation and deduplication read one input; a join will read two.
/// </summary>
public abstract class KeyedOperatorSpec
{
    /// <summary>Creates the spec for an operator over <paramref name="inputSchemas"/>, one schema per input.</summary>
    protected KeyedOperatorSpec(IReadOnlyList<Schema> inputSchemas)
    {
        ArgumentNullException.ThrowIfNull(inputSchemas);
        if (inputSchemas.Count == 0) throw new ArgumentException("A keyed operator reads at least one input.", nameof(inputSchemas));
        InputSchemas = inputSchemas;
    }

    /// <summary>The rows each input carries into the operator (before the exchange), by input index.</summary>
    public IReadOnlyList<Schema> InputSchemas { get; }

    /// <summary>The rows of input 0 (the only input of a single-input operator).</summary>
    public Schema InputSchema => InputSchemas[0];

    /// <summary>Spark's operator name in progress reports ("stateStoreSave", "dedupe", "sessionWindowStateStoreSaveExec").</summary>
    public abstract string Name { get; }

    /// <summary>The schema of the operator's output (before the stage's stateless pipeline).</summary>
    public abstract Schema StateOutputSchema { get; }

    /// <summary>Whether the operator's keys carry event time, so that a moving watermark makes state final or evictable.</summary>
    public abstract bool UsesWatermark { get; }

    /// <summary>Whether progress lists the operator among <c>stateOperators</c>: Spark's stateful operators do; a keyed
    /// operator that keeps nothing between epochs (a stream-static join) does not.</summary>
    public virtual bool ReportsState => true;

    /// <summary>
    /// The watermark the operator's output rows carry on to the operators after it, given the watermark of its input
    /// (Spark's <c>produceOutputWatermark</c>, milliseconds): the input's for an operator that emits rows only once the
    /// watermark passes them; a join that may still emit older rows lowers it.
    /// </summary>
    public virtual long OutputWatermarkMs(long inputWatermarkMs) => inputWatermarkMs;

    /// <summary>A new exchange writer for input <paramref name="inputIndex"/> (one per producer per epoch).</summary>
    public abstract IExchangeWriter CreateExchangeWriter(int inputIndex);

    /// <summary>A new keyed operator with empty state (one per stage partition).</summary>
    public abstract IStatefulOperator CreateOperator(string outputMode);

    /// <summary>A new keyed operator with empty state, for an operator that runs user code the host's
    /// <paramref name="services"/> create (transformWithState); the others ignore them.</summary>
    public virtual IStatefulOperator CreateOperator(string outputMode, IServiceProvider? services) => CreateOperator(outputMode);

    /// <summary>Whether the operator keeps processing-time timers: an epoch is due when the earliest of them is, even without data.</summary>
    public virtual bool UsesProcessingTimeTimers => false;

    /// <summary>Whether input <paramref name="inputIndex"/> is read in a query's first epoch only (transformWithState's initial
    /// state): a static leaf that feeds nothing else is not read in later epochs.</summary>
    public virtual bool ReadsOnlyInFirstEpoch(int inputIndex) => false;

    /// <summary>Throws unless <paramref name="inputIndex"/> names one of the operator's inputs.</summary>
    protected void CheckInput(int inputIndex)
    {
        if ((uint)inputIndex >= (uint)InputSchemas.Count)
            throw new ArgumentOutOfRangeException(nameof(inputIndex), inputIndex, $"The {Name} operator has {InputSchemas.Count} input(s).");
    }
}
