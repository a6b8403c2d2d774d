using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrleansStream.Grains.Tests.Infrastructure;
using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Connectors.Files;
using OrleansStream.Engine.Data;
using OrleansStream.Grains.Execution;
using OrleansStream.Interfaces.Execution;
using OrleansStream.Interfaces.Sinks;
using OrleansStream.Plan.Logical;
using OrleansStream.Plan.Types;

namespace OrleansStream.Grains.Tests.Execution;

/// <summary>
/// A static leaf's source task (the batch side of a stream-static join) on a silo: every epoch it reads the whole relation at
/// the version the epoch recorded, so a replay reads what its first run read while later epochs see new files; it keeps the
/// batches of the version it read last.
/// </summary>
public sealed class StaticLeafSourceTaskTests : IAsyncLifetime
{
    private const string StaticId = StaticLeaves.IdPrefix + "0";
    private readonly TempDirectory _data = new();
    private IHost _silo = null!;

    private string Folder => Path.Combine(_data.Path, "static");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Folder);
        _silo = await TestSilo.StartAsync("static-leaves", Path.Combine(_data.Path, "silo"));
    }

    public async Task DisposeAsync()
    {
        await _silo.StopAsync();
        _silo.Dispose();
        _data.Dispose();
    }

    [Fact]
    public async Task StaticFolder_EachEpochReadsItsRecordedVersion_AndAReplayReadsTheSameRows()
    {
        var a = AddFile("a.json", "x", "y");
        var connector = new FileSourceProvider().OpenStatic(StaticRelation, new SourceContext());
        var first = await connector.VersionAsync(default);
        Assert.Equal(2, (await RunAsync(StaticId, 0, first)).OutputRows);

        AddFile("b.json", "z");
        var second = await connector.VersionAsync(default);
        Assert.Equal(3, (await RunAsync(StaticId, 1, second)).OutputRows);
        // Epoch 0 run again (a replay): the file added since is not in its version.
        Assert.Equal(2, (await RunAsync(StaticId, 0, first)).OutputRows);

        // A recorded file rewritten in place: the task still holds the rows it read at that version and hands them on again,
        // and the next version reads the new content.
        File.WriteAllText(a, string.Concat(Enumerable.Repeat("{\"k\":\"w\"}\n", 5)));
        File.SetLastWriteTimeUtc(a, DateTime.UtcNow.AddMinutes(1));
        Assert.Equal(2, (await RunAsync(StaticId, 0, first)).OutputRows);
        var third = await connector.VersionAsync(default);
        Assert.Equal(6, (await RunAsync(StaticId, 2, third)).OutputRows);
    }

    [Fact]
    public async Task LocalRows_AreReadWholeByEveryEpoch()
    {
        for (var epoch = 0; epoch < 3; epoch++)
        {
            var result = await RunAsync("local:0", epoch, version: null);
            Assert.Equal((2L, 2L), (result.InputRows, result.OutputRows));
        }
    }

    // A memory table read as a static relation: an epoch run again reads the version it recorded, though the table moved on
    // (appended, then replaced by a Complete-mode epoch); a version too old to be kept is refused, not read as another.
    [Fact]
    public async Task MemoryTable_ReadsAKeptVersion_AsItWas()
    {
        var table = _silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IMemorySinkGrain>("static_table");
        var query = Guid.NewGuid();
        await table.ApplyAsync(query, 0, replace: false, Rows("a"));
        var first = await table.GetVersionAsync();
        await table.ApplyAsync(query, 1, replace: false, Rows("b", "c"));
        var second = await table.GetVersionAsync();
        await table.ApplyAsync(query, 2, replace: true, Rows("d"));

        Assert.Equal(["a"], Keys(await table.ReadVersionAsync(first)));
        Assert.Equal(["a", "b", "c"], Keys(await table.ReadVersionAsync(second)));
        Assert.Equal(["d"], Keys(await table.ReadVersionAsync(await table.GetVersionAsync())));
        for (var epoch = 3; epoch < 20; epoch++) await table.ApplyAsync(query, epoch, replace: true, Rows("e"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => table.ReadVersionAsync(first));
    }

    private static byte[] Rows(params string[] keys) =>
        ArrowIpc.Serialize(ArrowValues.FromRows(DataTypes.ParseSchema("k STRING"), keys.Select(k => new object?[] { k }).ToList()));

    private static List<string> Keys(byte[] ipc) => ArrowIpc.DeserializeMany(ipc)
        .SelectMany(b => Enumerable.Range(0, b.Length).Select(i => ((Apache.Arrow.StringArray)b.Column(0)).GetString(i)!)).ToList();

    private SourceRelation StaticRelation => new(StaticId, "json", new Dictionary<string, string> { ["path"] = Folder }, "k STRING", false);

    // A stream unioned with both static leaves: a plan the source task runs as it is (the streaming rules, which refuse such
    // a union at start, are the trigger's), whose static stages hand their rows straight to the sink.
    private string PlanJson
    {
        get
        {
            var stream = new SourceRelation("0", "memory", new Dictionary<string, string> { ["session"] = "s", ["streamId"] = "m" }, "k STRING", true);
            var local = new LocalRelation(ArrowIpc.Serialize(ArrowValues.FromRows(DataTypes.ParseSchema("k STRING"), [["p"], ["q"]])));
            return PlanSerializer.Serialize(new Union(new Union(stream, StaticRelation), local));
        }
    }

    private Task<SourceTaskResult> RunAsync(string leafId, long batchId, string? version) =>
        _silo.Services.GetRequiredService<IGrainFactory>().GetGrain<ISourceTaskGrain>($"q|{leafId}|0").RunAsync(new SourceTask
        {
            QueryKey = "q", Attempt = Guid.NewGuid(), PlanJson = PlanJson, SourceId = leafId, Partition = 0, NumPartitions = 1,
            EndOffset = "", IsStatic = true, StaticVersion = version, BatchId = batchId, BatchTimestampMicros = 0, TaskIndex = 0, SinkKey = "q|0",
            // The sink discards: the test reads the task's row counts.
            Sink = new SinkSpec { Format = "noop", OutputMode = "append", Options = new Dictionary<string, string>(), OutputSchemaDdl = "k STRING", DiscardsRows = true },
        });

    private string AddFile(string name, params string[] keys)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllText(path, string.Concat(keys.Select(k => $"{{\"k\":\"{k}\"}}\n")));
        return path;
    }
}
