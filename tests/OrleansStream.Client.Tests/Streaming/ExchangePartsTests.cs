using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansStream.Client.Tests.Infrastructure;
using OrleansStream.Engine.Data;
using OrleansStream.Grains.Hosting;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.Streaming;

/// <summary>
/// The exchange's parts reach the state partitions of the silo as they are, in pooled arrays each part owns: an aggregation,
/// which copies what it keeps, releases every one after its epoch (and the next epochs' parts reuse them, results
/// unchanged); an operator that may keep its input's columns (deduplication) releases none. In a cluster a part for a
/// partition of another silo travels as a copy: the sender releases its arrays once the call completed, the receiving
/// partition its copy's.
/// </summary>
public sealed class ExchangePartsTests
{
    [Fact]
    public async Task AnAggregationsPartitions_ReleaseEveryPart_AfterTheirEpoch_WithTheSameCounts()
    {
        using var dir = new TempDirectory();
        var pool = new ArrowBufferPool();
        await using var session = await PooledSession.StartAsync(dir.Path, pool);
        var input = session.CreateMemoryStream<long>();
        var counts = await input.ToDF().GroupBy("value").Agg(Count().As("n"), Sum(Col("value")).As("s"))
            .WriteStream.Format("memory").OutputMode(OutputMode.Complete).QueryName("counts").StartAsync();

        var values = Enumerable.Range(0, 12_000).Select(i => (long)i * 7919 % 2_003).ToArray();
        var expected = new Dictionary<long, long>();
        foreach (var chunk in values.Chunk(3_000))
        {
            await input.AddDataAsync(chunk);
            await counts.ProcessAllAvailableAsync();
            foreach (var v in chunk) expected[v] = expected.GetValueOrDefault(v) + 1;
            // Each epoch's table is every key's count and sum so far: parts overwritten too early would show here.
            Assert.Equal(expected.Select(p => $"{p.Key}:{p.Value}:{p.Key * p.Value}").Order(), (await session.Table("counts").CollectAsync())
                .Select(r => $"{r.Get<long>("value")}:{r.Get<long>("n")}:{r.Get<long>("s")}").Order());
        }

        // Four epochs, each at least one part per state partition (two per silo), a column or more each.
        Assert.True(pool.Rented >= 4 * 2, $"rented {pool.Rented}");
        Assert.Equal(pool.Rented, pool.Returned);
        await counts.StopAsync();
    }

    [Fact]
    public async Task ADeduplicationsPartitions_KeepTheirInputParts_AndReleaseNone()
    {
        using var dir = new TempDirectory();
        var pool = new ArrowBufferPool();
        await using var session = await PooledSession.StartAsync(dir.Path, pool);
        var input = session.CreateMemoryStream<long>();
        var distinct = await input.ToDF().DropDuplicates("value").WriteStream.Format("memory").QueryName("distinct").StartAsync();

        var values = Enumerable.Range(0, 6_000).Select(i => (long)i * 31 % 1_009).ToArray();
        foreach (var chunk in values.Chunk(2_000))
        {
            await input.AddDataAsync(chunk);
            await distinct.ProcessAllAvailableAsync();
        }

        // Three epochs' parts, a column or more each, stay with the operator (and the GC).
        Assert.True(pool.Rented - pool.Returned >= 3, $"rented {pool.Rented}, returned {pool.Returned}");
        Assert.Equal(values.Distinct().Order(), (await session.Table("distinct").CollectAsync()).Select(r => r.Get<long>("value")).Order());
        await distinct.StopAsync();
    }

    [Fact]
    public async Task InATwoSiloCluster_EveryPartsArrays_GoBackToThePoolOfTheSiloThatRentedThem_WithTheSameCounts()
    {
        using var dir = new TempDirectory();
        var (poolA, poolB) = (new ArrowBufferPool(), new ArrowBufferPool());
        var embedded = new EmbeddedSiloOptions
        {
            DataDirectory = dir.Path,
            SiloPort = Ports.Free(),
            ClusterId = "parts-" + Guid.NewGuid().ToString("N")[..8],
            ConfigureSilo = silo => silo.Services.AddSingleton(poolA),
        };
        await using var session = await StreamSession.StartLocalAsync(embedded);
        using var siloB = await StartSecondSiloAsync(embedded, poolB);
        var input = session.CreateMemoryStream<long>();
        // Eight partitions over two silos: each epoch's source task sends parts to both.
        var counts = await input.ToDF().GroupBy("value").Agg(Count().As("n"))
            .WriteStream.Format("memory").OutputMode(OutputMode.Complete).Option("numStatePartitions", "8").QueryName("counts2").StartAsync();

        var values = Enumerable.Range(0, 12_000).Select(i => (long)i * 7919 % 2_003).ToArray();
        foreach (var chunk in values.Chunk(3_000))
        {
            await input.AddDataAsync(chunk);
            await counts.ProcessAllAvailableAsync();
        }

        Assert.Equal(values.CountBy(v => v).Select(p => $"{p.Key}:{p.Value}").Order(),
            (await session.Table("counts2").CollectAsync()).Select(r => $"{r.Get<long>("value")}:{r.Get<long>("n")}").Order());
        await counts.StopAsync();
        // Both silos rented (a part received from the other silo is read into the receiver's pool), and each got all back.
        Assert.True(poolA.Rented > 0 && poolB.Rented > 0, $"rented {poolA.Rented} and {poolB.Rented}");
        Assert.Equal((poolA.Rented, poolB.Rented), (poolA.Returned, poolB.Returned));
        await siloB.StopAsync();
    }

    // A silo joining the embedded one's cluster (development clustering, the embedded silo as primary), with its own pool.
    private static async Task<IHost> StartSecondSiloAsync(EmbeddedSiloOptions embedded, ArrowBufferPool pool)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(Ports.Free(), Ports.Free(), new IPEndPoint(IPAddress.Loopback, embedded.SiloPort), embedded.ServiceId, embedded.ClusterId);
            silo.AddOrleansStream(o => o.DataDirectory = embedded.DataDirectory!);
            silo.Services.AddSingleton(pool);
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
