using Apache.Arrow;
using OrleansStream.Client;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.Operators.Deduplication;
using OrleansStream.Engine.Operators.Stateful;

namespace OrleansStream.Engine.Planning.Physical;

/// <summary>
/// flatMapGroupsWithState / mapGroupsWithState: rows routed on the grouping columns to the partition owning their key group,
/// where the user's function (created by the host's <see cref="IStatefulProcessorFactory"/> from <see cref="FunctionType"/>)
/// handles each group.
/// </summary>
public sealed class FlatMapGroupsWithStateOperatorSpec : KeyedOperatorSpec
{
    private readonly IReadOnlyList<int> _keyColumns;
    private readonly Schema _outputSchema;
    private readonly bool _watermarkPresent;
    private readonly int? _eventTimeColumn;

    /// <summary>Creates the spec.</summary>
    public FlatMapGroupsWithStateOperatorSpec(Schema inputSchema, IReadOnlyList<int> keyColumns, Schema outputSchema, string functionType,
        GroupStateTimeout timeout, bool watermarkPresent, int? eventTimeColumn) : base([inputSchema])
    {
        _keyColumns = keyColumns;
        _outputSchema = outputSchema;
        FunctionType = functionType;
        Timeout = timeout;
        _watermarkPresent = watermarkPresent;
        _eventTimeColumn = eventTimeColumn;
    }

    /// <summary>The function's assembly-qualified type name.</summary>
    public string FunctionType { get; }

    /// <summary>Which timeout the function may set.</summary>
    public GroupStateTimeout Timeout { get; }

    /// <inheritdoc />
    public override string Name => "flatMapGroupsWithState";

    /// <inheritdoc />
    public override Schema StateOutputSchema => _outputSchema;

    /// <inheritdoc />
    // Event-time timeouts pass as the watermark moves: a moved watermark makes an epoch due (Spark's no-data batch).
    public override bool UsesWatermark => Timeout == GroupStateTimeout.EventTimeTimeout;

    /// <inheritdoc />
    public override bool UsesProcessingTimeTimers => Timeout == GroupStateTimeout.ProcessingTimeTimeout;

    /// <inheritdoc />
    public override IExchangeWriter CreateExchangeWriter(int inputIndex)
    {
        CheckInput(inputIndex);
        return new DeduplicationExchangeWriter(InputSchema, _keyColumns);
    }

    /// <inheritdoc />
    public override IStatefulOperator CreateOperator(string outputMode) =>
        throw new NotSupportedException("flatMapGroupsWithState runs user code: its operator is created with the host's services.");

    /// <inheritdoc />
    public override IStatefulOperator CreateOperator(string outputMode, IServiceProvider? services)
    {
        var factory = services?.GetService(typeof(IStatefulProcessorFactory)) as IStatefulProcessorFactory
            ?? throw new InvalidOperationException("This host has no stateful processor factory: register functions with AddGroupsWithStateFunction<T>().");
        return new FlatMapGroupsWithStateOperator(InputSchema, _keyColumns, _outputSchema, factory.CreateFunction(FunctionType), Timeout, _watermarkPresent, _eventTimeColumn);
    }
}
