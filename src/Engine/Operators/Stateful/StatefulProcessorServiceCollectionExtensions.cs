using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OrleansStream.Client;

namespace OrleansStream.Engine.Operators.Stateful;

/// <summary>Registers the stateful processors a host may run (the <see cref="IServiceCollection"/> layer, DESIGN.md §7).</summary>
public static class StatefulProcessorServiceCollectionExtensions
{
    /// <summary>Lets this host run transformWithState queries whose processor is <typeparamref name="T"/>; instances are
    /// created through the host's services, one per state partition.</summary>
    public static IServiceCollection AddStatefulProcessor<T>(this IServiceCollection services) where T : StatefulProcessor => services.AddUserCode(typeof(T));

    /// <summary>Lets this host run flatMapGroupsWithState and mapGroupsWithState queries whose function is
    /// <typeparamref name="T"/>; instances are created through the host's services, one per state partition.</summary>
    public static IServiceCollection AddGroupsWithStateFunction<T>(this IServiceCollection services) where T : GroupsWithStateFunction => services.AddUserCode(typeof(T));

    /// <summary>Lets this host run transformWithState queries whose processor is the asynchronous <typeparamref name="T"/>; instances are
    /// created through the host's services, one per state partition.</summary>
    public static IServiceCollection AddAsyncStatefulProcessor<T>(this IServiceCollection services) where T : AsyncStatefulProcessor => services.AddUserCode(typeof(T));

    private static IServiceCollection AddUserCode(this IServiceCollection services, Type type)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!services.Any(d => d.ServiceType == typeof(StatefulProcessorRegistration) && (d.ImplementationInstance as StatefulProcessorRegistration)?.Type == type))
            services.AddSingleton(new StatefulProcessorRegistration(type));
        return services.AddStatefulProcessorFactory();
    }

    /// <summary>Adds the factory that creates processors (once; <see cref="AddStatefulProcessor{T}"/> adds it too).</summary>
    public static IServiceCollection AddStatefulProcessorFactory(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<IStatefulProcessorFactory, StatefulProcessorFactory>();
        return services;
    }
}
