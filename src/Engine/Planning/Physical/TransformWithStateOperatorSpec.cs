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

    /// <summary>Creates the spec.</summary>
    public TransformWithStateOperatorSpec(Schema inputSchema, IReadOnlyList<int> keyColumns, Schema outputSchema, string processorType, Client.TimeMode timeMode, int? eventTimeColumn) : base([inputSchema])
    {
        _keyColumns = keyColumns;
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
        return new DeduplicationExchangeWriter(InputSchema, _keyColumns);
    }

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
            AsyncStatefulProcessor async => new AsyncTransformWithStateOperator(InputSchema, _keyColumns, _outputSchema, async, TimeMode, _eventTimeColumn),
            var processor => new TransformWithStateOperator(InputSchema, _keyColumns, _outputSchema, (StatefulProcessor)processor, TimeMode, _eventTimeColumn),
        };
    }
}
