using Microsoft.Extensions.DependencyInjection;
using OrleansStream.Grains.Hosting;
using static OrleansStream.Client.Functions;
using static OrleansStream.Testing.StreamSteps;

namespace OrleansStream.Client.Tests.Stateful;

/// <summary>
/// [Flat]MapGroupsWithState functions are user code on silos like stateful processors (DESIGN.md §7): a silo runs only the
/// functions it registers, a query whose function a silo lacks is refused at start naming the type and the silo, and
/// functions are created through the silo's services.
/// </summary>
public sealed class GroupsWithStateFunctionRegistrationTests
{
    /// <summary>A greeting the silo's services hold; the function receives it through its constructor.</summary>
    public sealed record Greeting(string Text);

    /// <summary>Emits the greeting of the silo with each key's running count.</summary>
    public sealed class GreetingCount(Greeting greeting) : MapGroupsWithStateFunction<long>
    {
        public override Row Call(Row key, IEnumerable<Row> rows, GroupState<long> state)
        {
            state.Update(state.GetOption() + rows.Count());
            return new Row([key[0], $"{greeting.Text} {state.Get()}"], ["key", "greeting"]);
        }
    }

    private static DataFrame Query(MemoryStream<string> input) =>
        input.ToDF().Select(Col("value").As("key")).GroupBy("key").MapGroupsWithState(new GreetingCount(new Greeting("unused")), "key STRING, greeting STRING");

    [Fact]
    public async Task StartAsync_WhenTheSiloLacksTheFunction_IsRefusedNamingTheTypeAndTheSilo()
    {
        using var dir = new TempDirectory();
        await using var session = await StreamSession.StartLocalAsync(new EmbeddedSiloOptions
        {
            DataDirectory = dir.Path,
            RegisterStatefulProcessors = false,
            ConfigureSilo = silo => silo.Services.AddSingleton(new Greeting("hello")),
        });
        var input = session.CreateMemoryStream<string>();
        var e = await Assert.ThrowsAnyAsync<Exception>(() => Query(input).WriteStream.Format("memory").QueryName("mgws_unregistered").OutputMode(OutputMode.Update).StartAsync());
        Assert.Contains($"The function {typeof(GreetingCount).AssemblyQualifiedName} is not registered on silo", e.Message);
        Assert.Contains("AddGroupsWithStateFunction<T>()", e.Message);
        Assert.Empty(session.Streams.Active);
    }

    [Fact]
    public async Task AddGroupsWithStateFunction_LetsTheSiloRunIt_CreatedWithTheSilosServices()
    {
        using var dir = new TempDirectory();
        await using var session = await StreamSession.StartLocalAsync(new EmbeddedSiloOptions
        {
            DataDirectory = dir.Path,
            RegisterStatefulProcessors = false,
            ConfigureSilo = silo => silo.AddGroupsWithStateFunction<GreetingCount>().Services.AddSingleton(new Greeting("hello")),
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
