namespace OrleansStream.Client;

/// <summary>
/// The function of <c>GroupBy(...).MapGroupsWithState(...)</c> (Spark's MapGroupsWithStateFunction over rows): called like a
/// <see cref="FlatMapGroupsWithStateFunction{TState}"/>, it returns exactly one row of the output schema per call.
/// </summary>
/// <typeparam name="TState">The per-group state value's type.</typeparam>
public abstract class MapGroupsWithStateFunction<TState> : GroupsWithStateFunction
{
    /// <summary>Handles one group: its key, its new rows in arrival order, and its state. Returns one row with the values of the output schema in order.</summary>
    public abstract Row Call(Row key, IEnumerable<Row> rows, GroupState<TState> state);

    internal sealed override IEnumerable<Row> Invoke(Row key, IEnumerable<Row> rows, IGroupStateSource states) =>
        [Call(key, rows, states.For<TState>())];
}
