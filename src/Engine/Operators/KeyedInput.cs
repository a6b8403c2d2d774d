using Apache.Arrow;

namespace OrleansStream.Engine.Operators;

/// <summary>
/// One batch of a keyed operator's epoch input and the input it arrived on: a single-input operator (aggregation,
/// deduplication) sees only input 0; a join tells its sides apart by <see cref="InputIndex"/>.
/// </summary>
/// <param name="InputIndex">Which of the stage's inputs the batch came through (0 for the first).</param>
/// <param name="Batch">The rows, as the input's exchange writer prepared them.</param>
public readonly record struct KeyedInput(int InputIndex, RecordBatch Batch)
{
    /// <summary>A batch of input 0, the only input of a single-input operator.</summary>
    public static implicit operator KeyedInput(RecordBatch batch) => new(0, batch);
}
