using Microsoft.Extensions.DependencyInjection;
using OrleansStream.Client;

namespace OrleansStream.Engine.Operators.Stateful;

/// <summary>
/// The host's <see cref="IStatefulProcessorFactory"/>: processor types come from the registrations (by assembly-qualified
/// name) and, when <see cref="StatefulProcessorOptions.RunLoadedTypes"/>, from the types loaded in the process; instances
/// come from <see cref="ActivatorUtilities"/>, so a processor's constructor may take the host's services.
/// </summary>
internal sealed class StatefulProcessorFactory(IServiceProvider services, IEnumerable<StatefulProcessorRegistration> registrations, IEnumerable<StatefulProcessorOptions> options)
    : IStatefulProcessorFactory
{
    private readonly Dictionary<string, Type> _registered = registrations
        .DistinctBy(r => r.Type)
        .ToDictionary(r => r.Type.AssemblyQualifiedName!, r => r.Type, StringComparer.Ordinal);

    // Options registered by several layers (the silo names itself, the embedded session runs loaded types) combine.
    private readonly bool _runLoadedTypes = options.Any(o => o.RunLoadedTypes);
    private readonly string _hostName = options.Select(o => o.HostName).LastOrDefault(n => n is not null) ?? Environment.MachineName;

    private string HostName => _hostName;

    public bool CanCreate(string typeName) => Resolve(typeName) is not null;

    public StatefulProcessor Create(string typeName) =>
        CreateInstance(typeName) as StatefulProcessor ?? throw new InvalidOperationException($"The stateful processor {typeName} is asynchronous (an AsyncStatefulProcessor).");

    public object CreateInstance(string typeName)
    {
        var type = Resolve(typeName)
            ?? throw new InvalidOperationException($"The stateful processor {typeName} is not registered on silo {HostName}: add it with AddStatefulProcessor<T>() (AddAsyncStatefulProcessor<T>() for an AsyncStatefulProcessor) on every silo that runs the query.");
        return ActivatorUtilities.CreateInstance(services, type);
    }

    public GroupsWithStateFunction CreateFunction(string typeName)
    {
        var type = Resolve(typeName)
            ?? throw new InvalidOperationException($"The function {typeName} is not registered on silo {HostName}: add it with AddGroupsWithStateFunction<T>() on every silo that runs the query.");
        return (GroupsWithStateFunction)ActivatorUtilities.CreateInstance(services, type);
    }

    private Type? Resolve(string typeName)
    {
        if (_registered.TryGetValue(typeName, out var type)) return type;
        if (!_runLoadedTypes) return null;
        var loaded = Type.GetType(typeName, throwOnError: false);
        return loaded is { IsAbstract: false } && (typeof(StatefulProcessor).IsAssignableFrom(loaded) || typeof(AsyncStatefulProcessor).IsAssignableFrom(loaded)
            || typeof(GroupsWithStateFunction).IsAssignableFrom(loaded)) ? loaded : null;
    }
}
