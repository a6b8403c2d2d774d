using OrleansStream.Client;

namespace OrleansStream.Engine.Operators.Stateful;

/// <summary>
/// Creates the user's stateful processors where the state lives (DESIGN.md §7): the host registers the processor types it
/// can run and creates each instance through its services. The engine asks for one instance per state partition.
/// </summary>
public interface IStatefulProcessorFactory
{
    /// <summary>Whether <paramref name="typeName"/> (assembly-qualified) can be created here.</summary>
    bool CanCreate(string typeName);

    /// <summary>A new instance of <paramref name="typeName"/>.</summary>
    /// <exception cref="InvalidOperationException">The type is not registered here (the message names it and the host).</exception>
    StatefulProcessor Create(string typeName);

    /// <summary>A new instance of the <c>[Flat]MapGroupsWithState</c> function <paramref name="typeName"/>.</summary>
    /// <exception cref="InvalidOperationException">The type is not registered here (the message names it and the host).</exception>
    GroupsWithStateFunction CreateFunction(string typeName);

    /// <summary>A new instance of <paramref name="typeName"/>: a <see cref="StatefulProcessor"/> or an <see cref="AsyncStatefulProcessor"/>.</summary>
    /// <exception cref="InvalidOperationException">The type is not registered here (the message names it and the host).</exception>
    object CreateInstance(string typeName);
}
