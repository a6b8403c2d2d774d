using OrleansStream.Interfaces.Sources;

namespace OrleansStream.Client.Tests.Streaming;

/// <summary>
/// <c>session.AddDataAsync(s1.Rows(...), s2.Rows(...))</c> promises one epoch for rows added together, however the trigger's
/// planning interleaves with the adds. The silo here is slow between the trigger and the memory streams (every read of them
/// waits a little before it is sent, as on a loaded machine), which widens any gap between asking one stream and the next.
/// </summary>
public sealed class MemoryStreamPlanningTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private StreamSession _session = null!;

    public async Task InitializeAsync() => _session = await StreamSession.StartLocalAsync(new EmbeddedSiloOptions
    {
        DataDirectory = _data.Path,
        ConfigureSilo = silo => silo.AddOutgoingGrainCallFilter(new SlowMemoryStreamReads()),
    });

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task AddDataToTwoStreams_WhileTheTriggerPlans_NeverSplitsAcrossEpochs()
    {
        var left = _session.CreateMemoryStream<string>();
        var right = _session.CreateMemoryStream<string>();
        var epochs = new List<(long Epoch, string[] Values)>();
        var query = await left.ToDF().Union(right.ToDF()).WriteStream
            .ForeachBatch(async (batch, epoch) =>
            {
                var rows = await batch.CollectAsync();
                lock (epochs) epochs.Add((epoch, rows.Select(r => (string)r[0]!).ToArray()));
            })
            .StartAsync();

        const int Rounds = 50;
        for (var i = 0; i < Rounds; i++)
        {
            await _session.AddDataAsync(left.Rows($"l{i}"), right.Rows($"r{i}"));
            // Paced, so that the trigger plans many times while adds arrive.
            await Task.Delay(i % 5);
        }
        await query.ProcessAllAvailableAsync();
        await query.StopAsync();

        Assert.Equal(2 * Rounds, epochs.Sum(e => e.Values.Length));
        Assert.True(epochs.Count > 1, "The adds should have spread over several epochs.");
        foreach (var (epoch, values) in epochs)
        {
            // Each epoch holds both halves of every add it holds: "l7" comes with "r7".
            var fromLeft = values.Where(v => v[0] == 'l').Select(v => v[1..]).Order();
            var fromRight = values.Where(v => v[0] == 'r').Select(v => v[1..]).Order();
            Assert.True(fromLeft.SequenceEqual(fromRight), $"Epoch {epoch} holds one stream's half of an add: {string.Join(",", values)}");
        }
    }

    /// <summary>Delays each call from a grain that reads a memory stream (not the adds) before it is sent.</summary>
    private sealed class SlowMemoryStreamReads : IOutgoingGrainCallFilter
    {
        public async Task Invoke(IOutgoingGrainCallContext context)
        {
            if (context.InterfaceMethod.DeclaringType == typeof(IMemoryStreamGrain) && context.InterfaceMethod.Name != nameof(IMemoryStreamGrain.AddAsync))
                await Task.Delay(3);
            await context.Invoke();
        }
    }
}
