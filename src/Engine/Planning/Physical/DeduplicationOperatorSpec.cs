using Apache.Arrow;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.Operators.Deduplication;

namespace OrleansStream.Engine.Planning.Physical;

/// <summary>dropDuplicates / dropDuplicatesWithinWatermark: rows routed on their keys, first occurrences kept.</summary>
public sealed class DeduplicationOperatorSpec : KeyedOperatorSpec
{
    private readonly IReadOnlyList<int> _keyColumns;
    private readonly int? _eventTimeColumn;
    private readonly long _expiryOffsetMicros;

    /// <summary>Creates the spec.</summary>
    public DeduplicationOperatorSpec(Schema inputSchema, IReadOnlyList<int> keyColumns, int? eventTimeColumn, long expiryOffsetMicros) : base([inputSchema])
    {
        _keyColumns = keyColumns;
        _eventTimeColumn = eventTimeColumn;
        _expiryOffsetMicros = expiryOffsetMicros;
    }

    /// <inheritdoc />
    public override string Name => "dedupe";

    /// <inheritdoc />
    public override Schema StateOutputSchema => InputSchema;

    /// <inheritdoc />
    public override bool UsesWatermark => _eventTimeColumn is not null;

    /// <inheritdoc />
    public override IExchangeWriter CreateExchangeWriter(int inputIndex)
    {
        CheckInput(inputIndex);
        return new DeduplicationExchangeWriter(InputSchema, _keyColumns);
    }

    /// <inheritdoc />
    public override IStatefulOperator CreateOperator(string outputMode) => new DeduplicationOperator(InputSchema, _keyColumns, _eventTimeColumn, _expiryOffsetMicros);
}
