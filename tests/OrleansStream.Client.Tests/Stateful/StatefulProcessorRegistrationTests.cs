using Microsoft.Extensions.DependencyInjection;
using OrleansStream.Grains.Hosting;
using static OrleansStream.Client.Functions;
using static OrleansStream.Testing.StreamSteps;

namespace OrleansStream.Client.Tests.Stateful;

/// <summary>
/// User code on silos (DESIGN.md §7): a silo runs only the stateful processors it registers, a query whose processor a silo
/// lacks is refused at start with the type and the silo named, and processors are created through the silo's services.
/// </summary>
public sealed class StatefulProcessorRegistrationTests
{
    /// <summary>A greeting the silo's services hold; the processor receives it through its constructor.</summary>
    public sealed record Greeting(string Text);

    /// <summary>Emits the greeting of the silo with each key's count.</summary>
    public sealed class GreetingCounter(Greeting greeting) : StatefulProcessor
    {
        private IValueState<long> _count = null!;

        public override void Init(StatefulProcessorHandle handle) => _count = handle.GetValueState<long>("count");

        public override IEnumerable<Row> HandleInputRows(Row key, IEnumerable<Row> rows, TimerValues timerValues)
        {
            _count.Update(_count.Get() + rows.Count());
            return [new Row([key[0], $"{greeting.Text} {_count.Get()}"], ["key", "greeting"])];
        }
    }

    private static DataFrame Query(MemoryStream<string> input) =>
        input.ToDF().Select(Col("value").As("key")).GroupBy("key").TransformWithState<GreetingCounter>("key STRING, greeting STRING", OutputMode.Update, TimeMode.None);

    [Fact]
    public async Task StartAsync_WhenTheSiloLacksTheProcessor_IsRefusedNamingTheTypeAndTheSilo()
    {
        using var dir = new TempDirectory();
        await using var session = await StreamSession.StartLocalAsync(new EmbeddedSiloOptions
        {
            DataDirectory = dir.Path,
            RegisterStatefulProcessors = false,
            ConfigureSilo = silo => silo.Services.AddSingleton(new Greeting("hello")),
        });
        var input = session.CreateMemoryStream<string>();
        var e = await Assert.ThrowsAnyAsync<Exception>(() => Query(input).WriteStream.Format("memory").QueryName("tws_unregistered").OutputMode(OutputMode.Update).StartAsync());
        Assert.Contains(typeof(GreetingCounter).AssemblyQualifiedName!, e.Message);
        Assert.Contains("is not registered on silo", e.Message);
        Assert.Contains("AddStatefulProcessor", e.Message);
    }

    [Fact]
    public async Task AddStatefulProcessor_LetsTheSiloRunIt_CreatedWithTheSilosServices()
    {
        using var dir = new TempDirectory();
        await using var session = await StreamSession.StartLocalAsync(new EmbeddedSiloOptions
        {
            DataDirectory = dir.Path,
            RegisterStatefulProcessors = false,
            ConfigureSilo = silo => silo.AddStatefulProcessor<GreetingCounter>().Services.AddSingleton(new Greeting("hello")),
        });
        var input = session.CreateMemoryStream<string>();
        await session.TestStream(Query(input), OutputMode.Update).Run(
            AddData(input, "a", "a", "b"),
            CheckNewAnswer("a:hello 2", "b:hello 1"),
            StopStream,
            StartStream(),
            AddData(input, "a"),
            CheckNewAnswer("a:hello 3"));
    }
}
