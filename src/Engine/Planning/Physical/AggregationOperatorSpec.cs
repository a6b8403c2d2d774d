using Apache.Arrow;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.Operators.Aggregation;

namespace OrleansStream.Engine.Planning.Physical;

/// <summary>A streaming aggregation: partial aggregation before the shuffle, final aggregation in state partitions.</summary>
public sealed class AggregationOperatorSpec : KeyedOperatorSpec
{
    private readonly int? _eventTimeColumn;

    /// <summary>Creates the spec; <paramref name="eventTimeColumn"/> is the state key column holding event time, if any.</summary>
    public AggregationOperatorSpec(Schema inputSchema, AggregateBinding binding, int? eventTimeColumn) : base([inputSchema])
    {
        Binding = binding ?? throw new ArgumentNullException(nameof(binding));
        _eventTimeColumn = eventTimeColumn;
    }

    /// <summary>The bound aggregation.</summary>
    public AggregateBinding Binding { get; }

    /// <inheritdoc />
    public override string Name => Binding.SessionKey is null ? "stateStoreSave" : "sessionWindowStateStoreSaveExec";

    /// <inheritdoc />
    public override Schema StateOutputSchema => Binding.ResultSchema;

    /// <inheritdoc />
    public override bool UsesWatermark => _eventTimeColumn is not null;

    /// <inheritdoc />
    public override IExchangeWriter CreateExchangeWriter(int inputIndex)
    {
        CheckInput(inputIndex);
        return new AggregateExchangeWriter(Binding);
    }

    /// <inheritdoc />
    public override IStatefulOperator CreateOperator(string outputMode) => Binding.SessionKey is null
        ? new StreamingAggregationOperator(Binding, outputMode, _eventTimeColumn)
        : new SessionWindowOperator(Binding, outputMode);
}
