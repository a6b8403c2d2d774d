namespace OrleansStream.Client;

/// <summary>
/// The function of <c>GroupBy(...).FlatMapGroupsWithState(...)</c> (Spark's FlatMapGroupsWithStateFunction over rows): called
/// once per epoch for each group with new rows, and once for each group whose timeout passed (with no rows and
/// <see cref="GroupState{TState}.HasTimedOut"/> true); it returns any number of rows of the output schema.
/// </summary>
/// <typeparam name="TState">The per-group state value's type.</typeparam>
public abstract class FlatMapGroupsWithStateFunction<TState> : GroupsWithStateFunction
{
    /// <summary>Handles one group: its key, its new rows in arrival order, and its state. Returns rows with the values of the output schema in order.</summary>
    public abstract IEnumerable<Row> Call(Row key, IEnumerable<Row> rows, GroupState<TState> state);

    internal sealed override IEnumerable<Row> Invoke(Row key, IEnumerable<Row> rows, IGroupStateSource states) =>
        Call(key, rows, states.For<TState>());
}
