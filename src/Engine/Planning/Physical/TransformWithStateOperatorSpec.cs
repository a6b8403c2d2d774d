using Apache.Arrow;
using OrleansStream.Client;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.Operators.Deduplication;
using OrleansStream.Engine.Operators.Stateful;

namespace OrleansStream.Engine.Planning.Physical;

/// <summary>
/// transformWithState: rows routed on the grouping columns to the partition owning their key group, where the user's
/// processor (created by the host's <see cref="IStatefulProcessorFactory"/> from <see cref="ProcessorType"/>) handles them.
/// </summary>
public sealed class TransformWithStateOperatorSpec : KeyedOperatorSpec
{
    private readonly IReadOnlyList<int> _keyColumns;
    private readonly Schema _outputSchema;
    private readonly int? _eventTimeColumn;
    private readonly IReadOnlyList<int> _initialStateKeyColumns;

    /// <summary>Creates the spec; with <paramref name="initialStateSchema"/>, input 1 carries the initial state's rows, keyed on <paramref name="initialStateKeyColumns"/>.</summary>
    public TransformWithStateOperatorSpec(Schema inputSchema, IReadOnlyList<int> keyColumns, Schema outputSchema, string processorType, Client.TimeMode timeMode, int? eventTimeColumn,
        Schema? initialStateSchema = null, IReadOnlyList<int>? initialStateKeyColumns = null)
        : base(initialStateSchema is null ? [inputSchema] : [inputSchema, initialStateSchema])
    {
        _keyColumns = keyColumns;
        _initialStateKeyColumns = initialStateKeyColumns ?? [];
        _outputSchema = outputSchema;
        ProcessorType = processorType;
        TimeMode = timeMode;
        _eventTimeColumn = eventTimeColumn;
    }

    /// <summary>The processor's assembly-qualified type name.</summary>
    public string ProcessorType { get; }

    /// <summary>Which timers the processor may register.</summary>
    public Client.TimeMode TimeMode { get; }

    /// <inheritdoc />
    public override string Name => "transformWithStateExec";

    /// <inheritdoc />
    public override Schema StateOutputSchema => _outputSchema;

    /// <inheritdoc />
    // Event-time timers fire as the watermark moves: a moved watermark makes an epoch due (Spark's no-data batch).
    public override bool UsesWatermark => TimeMode == Client.TimeMode.EventTime;

    /// <inheritdoc />
    public override bool UsesProcessingTimeTimers => TimeMode == Client.TimeMode.ProcessingTime;

    /// <inheritdoc />
    public override IExchangeWriter CreateExchangeWriter(int inputIndex)
    {
        CheckInput(inputIndex);
        return inputIndex == 0 ? new DeduplicationExchangeWriter(InputSchema, _keyColumns) : new DeduplicationExchangeWriter(InputSchemas[1], _initialStateKeyColumns);
    }

    /// <inheritdoc />
    // The initial state is read in the query's first epoch only (Spark applies it in batch 0).
    public override bool ReadsOnlyInFirstEpoch(int inputIndex) => inputIndex == 1;

    /// <inheritdoc />
    public override IStatefulOperator CreateOperator(string outputMode) =>
        throw new NotSupportedException("transformWithState runs user code: its operator is created with the host's services.");

    /// <inheritdoc />
    public override IStatefulOperator CreateOperator(string outputMode, IServiceProvider? services)
    {
        var factory = services?.GetService(typeof(IStatefulProcessorFactory)) as IStatefulProcessorFactory
            ?? throw new InvalidOperationException("This host has no stateful processor factory: register processors with AddStatefulProcessor<T>().");
        return factory.CreateInstance(ProcessorType) switch
        {
            AsyncStatefulProcessor when InputSchemas.Count > 1 => throw new NotSupportedException(
                $"The asynchronous stateful processor {ProcessorType} cannot take an initial state: transformWithState with an initial state needs a StatefulProcessor."),
            AsyncStatefulProcessor async => new AsyncTransformWithStateOperator(InputSchema, _keyColumns, _outputSchema, async, TimeMode, _eventTimeColumn),
            var processor => new TransformWithStateOperator(InputSchema, _keyColumns, _outputSchema, (StatefulProcessor)processor, TimeMode, _eventTimeColumn,
                InputSchemas.Count > 1 ? _initialStateKeyColumns : null),
        };
    }
}
