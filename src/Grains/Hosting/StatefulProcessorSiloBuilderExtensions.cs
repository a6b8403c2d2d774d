using OrleansStream.Client;
using OrleansStream.Engine.Operators.Stateful;

namespace OrleansStream.Grains.Hosting;

/// <summary>Registers stateful processors in a silo (the <see cref="ISiloBuilder"/> layer of <see cref="StatefulProcessorServiceCollectionExtensions"/>).</summary>
public static class StatefulProcessorSiloBuilderExtensions
{
    /// <summary>Lets this silo run transformWithState queries whose processor is <typeparamref name="T"/> (register it on every silo).</summary>
    public static ISiloBuilder AddStatefulProcessor<T>(this ISiloBuilder builder) where T : StatefulProcessor
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddStatefulProcessor<T>();
        return builder;
    }

    /// <summary>Lets this silo run flatMapGroupsWithState and mapGroupsWithState queries whose function is <typeparamref name="T"/> (register it on every silo).</summary>
    public static ISiloBuilder AddGroupsWithStateFunction<T>(this ISiloBuilder builder) where T : GroupsWithStateFunction
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddGroupsWithStateFunction<T>();
        return builder;
    }

    /// <summary>Lets this silo run transformWithState queries whose processor is the asynchronous <typeparamref name="T"/> (register it on every silo).</summary>
    public static ISiloBuilder AddAsyncStatefulProcessor<T>(this ISiloBuilder builder) where T : AsyncStatefulProcessor
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddAsyncStatefulProcessor<T>();
        return builder;
    }
}
