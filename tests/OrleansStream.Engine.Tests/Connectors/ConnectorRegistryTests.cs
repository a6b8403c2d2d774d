using Apache.Arrow;
using Microsoft.Extensions.DependencyInjection;
using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Logical;

namespace OrleansStream.Engine.Tests.Connectors;

public sealed class ConnectorRegistryTests
{
    [Fact]
    public void AddBuiltInConnectors_RegistersEveryEngineFormat()
    {
        var registry = RegistryOf(new ServiceCollection().AddBuiltInConnectors());

        Assert.Equal(["csv", "json", "nexmark", "parquet", "rate", "rate-micro-batch", "redis-streams", "text"], registry.SourceFormats);
        Assert.Equal(["console", "csv", "json", "noop", "parquet", "text"], registry.SinkFormats);
    }

    [Fact]
    public void Source_ByFormatName_IgnoresCase()
    {
        var registry = RegistryOf(new ServiceCollection().AddBuiltInConnectors());

        Assert.Same(registry.Source("rate"), registry.Source("RATE-Micro-Batch"));
        Assert.Same(registry.Sink("json"), registry.Sink("Parquet"));
    }

    [Fact]
    public void Source_WhenUnknown_NamesTheFormatAndTheKnownOnes()
    {
        var registry = RegistryOf(new ServiceCollection().AddBuiltInConnectors());

        var error = Assert.Throws<NotSupportedException>(() => registry.Source("kafka"));

        Assert.Equal("Data source 'kafka' does not support streamed reading. Supported: csv, json, nexmark, parquet, rate, rate-micro-batch, redis-streams, text.", error.Message);
        Assert.False(registry.TryGetSource("kafka", out _));
    }

    [Fact]
    public void Sink_WhenUnknown_NamesTheFormatAndTheKnownOnes()
    {
        var registry = RegistryOf(new ServiceCollection().AddBuiltInConnectors());

        var error = Assert.Throws<NotSupportedException>(() => registry.Sink("kafka"));

        Assert.Equal("Data source 'kafka' does not support streamed writing. Supported: console, csv, json, noop, parquet, text.", error.Message);
    }

    [Fact]
    public void AddSource_WhenAFormatIsRegisteredTwice_TheLaterRegistrationWins()
    {
        var registry = RegistryOf(new ServiceCollection().AddBuiltInConnectors().AddSource<OwnRateSource>());

        Assert.IsType<OwnRateSource>(registry.Source("rate"));
        Assert.IsNotType<OwnRateSource>(registry.Source("rate-micro-batch"));
    }

    [Fact]
    public void AddSource_Twice_RegistersOnce()
    {
        var services = new ServiceCollection().AddSource<OwnRateSource>().AddSource<OwnRateSource>();

        Assert.Single(services, d => d.ServiceType == typeof(ISourceProvider));
        Assert.Single(services, d => d.ServiceType == typeof(ConnectorRegistry));
    }

    // The registry as the container would build it: providers in registration order.
    private static ConnectorRegistry RegistryOf(IServiceCollection services) => new(
        services.Where(d => d.ServiceType == typeof(ISourceProvider)).Select(d => (ISourceProvider)Activator.CreateInstance(d.ImplementationType!)!),
        services.Where(d => d.ServiceType == typeof(ISinkProvider)).Select(d => (ISinkProvider)Activator.CreateInstance(d.ImplementationType!)!));

    private sealed class OwnRateSource : ISourceProvider
    {
        public IReadOnlyCollection<string> Formats { get; } = ["Rate"];

        public Schema ResolveSchema(SourceRelation source, SourceContext context) => throw new NotSupportedException();

        public IStreamSource CreateStream(SourceRelation source, SourceContext context) => throw new NotSupportedException();
    }
}
