namespace OrleansStream.Client;

/// <summary>
/// User code of <c>GroupBy(...).FlatMapGroupsWithState(...)</c> or <c>MapGroupsWithState(...)</c>: derive from
/// <see cref="FlatMapGroupsWithStateFunction{TState}"/> or <see cref="MapGroupsWithStateFunction{TState}"/>. Like a
/// <see cref="StatefulProcessor"/>, the function runs on the silos: the plan carries its type name, every silo registers
/// the type (<c>AddGroupsWithStateFunction&lt;T&gt;()</c>, or the embedded session does it), and each state partition
/// creates one instance through dependency injection. Fields of the function are not state: use the
/// <see cref="GroupState{TState}"/> it is given.
/// </summary>
public abstract class GroupsWithStateFunction
{
    private protected GroupsWithStateFunction() { }

    /// <summary>Calls the function for one group with the state <paramref name="states"/> makes for its state type.</summary>
    internal abstract IEnumerable<Row> Invoke(Row key, IEnumerable<Row> rows, IGroupStateSource states);
}

/// <summary>Makes the engine's <see cref="GroupState{TState}"/> of the group being called.</summary>
internal interface IGroupStateSource
{
    GroupState<TState> For<TState>();
}
