using Apache.Arrow;
using OrleansStream.Engine.State;

namespace OrleansStream.Engine.Operators;

/// <summary>
/// A stateful operator whose epoch awaits (user handlers that call services): the partition awaits
/// <see cref="ProcessAsync"/> instead of calling <see cref="IStatefulOperator.Process"/>, and writes the state version only
/// once it has completed. Same contract otherwise: deterministic given (state, input in order, context).
/// </summary>
public interface IAsyncStatefulOperator : IStatefulOperator
{
    /// <summary>Applies one epoch's input, as <see cref="IStatefulOperator.Process"/> does, awaiting the work it starts.</summary>
    ValueTask<RecordBatch> ProcessAsync(IReadOnlyList<KeyedInput> input, StatefulContext context);
}
