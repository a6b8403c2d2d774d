using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OrleansStream.Client;

namespace OrleansStream.Engine.Operators.Stateful;

/// <summary>Registers the stateful processors a host may run (the <see cref="IServiceCollection"/> layer, DESIGN.md §7).</summary>
public static class StatefulProcessorServiceCollectionExtensions
{
    /// <summary>Lets this host run transformWithState queries whose processor is <typeparamref name="T"/>; instances are
    /// created through the host's services, one per state partition.</summary>
    public static IServiceCollection AddStatefulProcessor<T>(this IServiceCollection services) where T : StatefulProcessor
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!services.Any(d => d.ServiceType == typeof(StatefulProcessorRegistration) && (d.ImplementationInstance as StatefulProcessorRegistration)?.Type == typeof(T)))
            services.AddSingleton(new StatefulProcessorRegistration(typeof(T)));
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
