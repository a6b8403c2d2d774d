using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Connectors.Files;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Tests.Data;

namespace OrleansStream.Engine.Tests.Connectors;

public sealed class FileStreamSourceTests : IDisposable
{
    private const string Prefix = "sources/q/0/";
    private readonly TempDir _dir = new();
    private readonly FileSystemCheckpointStore _store;
    private readonly string _input;

    public FileStreamSourceTests()
    {
        _store = new FileSystemCheckpointStore(Path.Combine(_dir.Path, "checkpoints"));
        _input = Directory.CreateDirectory(Path.Combine(_dir.Path, "in")).FullName;
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task LatestOffset_OnACheckpointWithSeenFilesInTriggerState_MovesThemIntoTheLogAndClearsTheState()
    {
        var (a, b, c) = (AddFile("a.json", 1), AddFile("b.json", 2), AddFile("c.json", 3));
        // An older checkpoint: the trigger's state lists a and b; its last epoch took b.
        var state = new PlanningState();
        state.SeenFiles.Add(a);
        state.SeenFiles.Add(b);
        var previous = Offset(2, b);

        var next = await Open().LatestOffsetAsync(previous, state, null, default);

        Assert.Equal(Offset(3, c), next);
        Assert.Empty(state.SeenFiles);
        Assert.Equal([Prefix + "0.compact"], await _store.ListAsync(Prefix));

        // Restarted after epoch (c) was written ahead: the log and the last offset give the seen files; nothing is new.
        var restarted = Open();
        var fresh = new PlanningState();
        Assert.Null(await restarted.LatestOffsetAsync(next, fresh, null, default));
        Assert.Equal([Prefix + "0.compact", Prefix + "1"], await _store.ListAsync(Prefix));
        var d = AddFile("d.json", 4);
        Assert.Equal(Offset(4, d), await restarted.LatestOffsetAsync(next, fresh, null, default));
        Assert.Empty(fresh.SeenFiles);
    }

    [Fact]
    public async Task LatestOffset_AcrossManyEpochs_KeepsTheLogCompactAndTheStateEmpty()
    {
        var source = Open();
        var state = new PlanningState();
        string? end = null;
        for (var i = 0; i < 12; i++)
        {
            var file = AddFile($"f{i:D2}.json", i);
            end = await source.LatestOffsetAsync(end, state, null, default);
            Assert.Equal(Offset(i + 1, file), end);
            source.OnPlanned(end!, state);
        }

        Assert.Empty(state.SeenFiles);
        // Entries 0-10 were written (the 12th epoch's entry waits for the next plan); 9 was compacted.
        Assert.Equal([Prefix + "10", Prefix + "9.compact"], await _store.ListAsync(Prefix));
        Assert.Null(await Open().LatestOffsetAsync(end, new PlanningState(), null, default));
    }

    [Fact]
    public async Task LatestOffset_WithoutACheckpointStore_KeepsSeenFilesInThePlanningState()
    {
        var a = AddFile("a.json", 1);
        var source = new FileSourceProvider().CreateStream(Relation(), new SourceContext());
        var state = new PlanningState();

        var end = await source.LatestOffsetAsync(null, state, null, default);
        source.OnPlanned(end!, state);

        Assert.Equal([a], state.SeenFiles);
        Assert.Null(await source.LatestOffsetAsync(end, state, null, default));
    }

    [Fact]
    public void Offset_RoundTripsThroughJson_InSparksFieldNames()
    {
        var source = new FileSourceProvider().CreateStream(Relation(), new SourceContext());
        var json = "{\"logOffset\":3,\"files\":[\"/in/a.json\",\"/in/b.json\"]}";

        var offset = ((StreamSource<FileOffset>)source).DeserializeOffset(json);

        Assert.Equal(3, offset.LogOffset);
        Assert.Equal(["/in/a.json", "/in/b.json"], offset.Files);
        Assert.Equal(json, ((StreamSource<FileOffset>)source).SerializeOffset(offset));
    }

    private IStreamSource Open() => new FileSourceProvider().CreateStream(Relation(),
        new SourceContext { Checkpoints = _store, MetadataPrefix = Prefix });

    private SourceRelation Relation() => new("0", "json", new Dictionary<string, string> { ["path"] = _input }, "v INT", true);

    private string AddFile(string name, int minutes)
    {
        var path = Path.Combine(_input, name);
        File.WriteAllText(path, "{\"v\":1}\n");
        File.SetLastWriteTimeUtc(path, new DateTime(2026, 1, 1, 0, minutes, 0, DateTimeKind.Utc));
        return path;
    }

    private static string Offset(long logOffset, string file) =>
        System.Text.Json.JsonSerializer.Serialize(new { logOffset, files = new[] { file } });

    private sealed class PlanningState : ISourcePlanningState
    {
        public long? StartMs { get; set; }
        public HashSet<string> SeenFiles { get; } = new(StringComparer.Ordinal);
        ISet<string> ISourcePlanningState.SeenFiles => SeenFiles;
    }
}
