using Apache.Arrow;
using OrleansStream.Engine.Execution;

namespace OrleansStream.Engine.Operators;

/// <summary>
/// The input side of a stateful operator, run where the rows are produced (source tasks, upstream partitions): it turns
/// an epoch's rows into what travels to the state partitions (partial aggregates, or the rows themselves) and names the
/// key columns that route them.
/// </summary>
public interface IExchangeWriter
{
    /// <summary>The schema of <see cref="Finish"/>'s batch.</summary>
    Schema ExchangeSchema { get; }

    /// <summary>The columns of <see cref="ExchangeSchema"/> whose values choose the key group (empty: one group).</summary>
    IReadOnlyList<int> RoutingColumns { get; }

    /// <summary>Adds rows of the operator's input schema.</summary>
    void Add(RecordBatch batch, EpochContext context);

    /// <summary>What was added since the last call, ready to route; null when nothing was added.</summary>
    RecordBatch? Finish();
}
