namespace OrleansStream.Client;

/// <summary>
/// User code of <c>GroupBy(...).TransformWithState(...)</c> (Spark 4's StatefulProcessor, over rows as PySpark's): it sees
/// each grouping key's new rows once per epoch and each of its timers once when it fires, keeps per-key state through the
/// <see cref="StatefulProcessorHandle"/> given to <see cref="Init"/>, and returns output rows of the query's output schema.
/// <para>
/// The processor runs on the silos, not where the query is defined: the plan carries its type name, every silo registers the
/// type (<c>AddStatefulProcessor&lt;T&gt;()</c>, or the embedded session does it), and each state partition creates one
/// instance through dependency injection, calls <see cref="Init"/> once, and calls the handlers for the keys it owns, one
/// at a time. State and timers are checkpointed with each epoch: after a restart the processor sees exactly the state of the
/// last committed epoch. Fields of the processor itself are not state (they are lost on restart and not per key).
/// </para>
/// </summary>
public abstract class StatefulProcessor
{
    /// <summary>Declares the state variables (<see cref="StatefulProcessorHandle.GetValueState{T}"/> and the like) and keeps the handle.</summary>
    public abstract void Init(StatefulProcessorHandle handle);

    /// <summary>
    /// Handles the rows of one grouping key that arrived in this epoch (Spark's handleInputRows); state accessed through the
    /// handle is this key's. Returns the output rows, each with the values of the query's output schema in order.
    /// </summary>
    public abstract IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues);

    /// <summary>
    /// Sets up the state of <paramref name="key"/> from its row of the initial-state DataFrame given to
    /// <c>TransformWithState(..., initialState)</c> (Spark's handleInitialState): called once per key of that DataFrame, in the
    /// query's first epoch only (not when it restarts from a checkpoint), before that epoch's input rows are handled. State
    /// accessed through the handle is this key's; timers may be registered.
    /// </summary>
    /// <param name="key">The grouping key, named as the input's grouping columns.</param>
    /// <param name="initialState">The key's row of the initial-state DataFrame (all its columns).</param>
    /// <param name="timerValues">The first epoch's clocks.</param>
    public virtual void HandleInitialState(Row key, Row initialState, TimerValues timerValues) { }

    /// <summary>Handles one timer of <paramref name="key"/> that fired (it is deleted already); state accessed through the handle is this key's.</summary>
    public virtual IEnumerable<Row> HandleExpiredTimer(Row key, TimerValues timerValues, ExpiredTimerInfo expiredTimerInfo) => [];

    /// <summary>Called when the partition running this instance releases it.</summary>
    public virtual void Close() { }
}
