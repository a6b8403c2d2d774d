using System.Text;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Connectors.Files;
using OrleansStream.Engine.Tests.Data;

namespace OrleansStream.Engine.Tests.Connectors;

public sealed class FileSourceLogTests : IDisposable
{
    private const string Prefix = "sources/q/0/";
    private readonly TempDir _dir = new();
    private readonly FileSystemCheckpointStore _store;

    public FileSourceLogTests() => _store = new FileSystemCheckpointStore(Path.Combine(_dir.Path, "checkpoints"));

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Append_EveryIntervalEntries_WritesACompactEntryAndDeletesTheEntriesBeforeIt()
    {
        var log = new FileSourceLog(_store, Prefix, compactInterval: 3);
        await log.LoadAsync(default);
        for (var epoch = 0; epoch < 7; epoch++) await log.AppendAsync(epoch + 1, [$"/in/f{epoch}"], default);

        Assert.Equal([Prefix + "5.compact", Prefix + "6"], await _store.ListAsync(Prefix));
        var compact = Encoding.UTF8.GetString((await _store.ReadAsync(Prefix + "5.compact"))!.Data);
        Assert.Equal("{\"logOffset\":6,\"files\":[\"/in/f0\",\"/in/f1\",\"/in/f2\",\"/in/f3\",\"/in/f4\",\"/in/f5\"]}", compact);

        var reloaded = new FileSourceLog(_store, Prefix, compactInterval: 3);
        await reloaded.LoadAsync(default);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"/in/f{i}"), reloaded.Files.Order(StringComparer.Ordinal));
        Assert.Equal(7, reloaded.Count);
        Assert.Equal(7, reloaded.LastLogOffset);
    }

    [Fact]
    public async Task Load_AfterACrashBetweenCompactionAndDeletion_ReadsFromTheCompactEntry()
    {
        var log = new FileSourceLog(_store, Prefix, compactInterval: 2);
        await log.LoadAsync(default);
        await log.AppendAsync(1, ["/in/a"], default);
        await log.AppendAsync(2, ["/in/b"], default);
        // An entry the deletion left behind (the copy died before it), with a file the compact entry also lists.
        await _store.PutIfAbsentAsync(Prefix + "0", Encoding.UTF8.GetBytes("{\"logOffset\":1,\"files\":[\"/in/a\"]}"));

        var reloaded = new FileSourceLog(_store, Prefix, compactInterval: 2);
        await reloaded.LoadAsync(default);

        Assert.Equal(["/in/a", "/in/b"], reloaded.Files.Order(StringComparer.Ordinal));
        Assert.Equal(2, reloaded.Count);
    }

    [Fact]
    public async Task Append_OfTheLastEntrysOffset_WritesNothing()
    {
        var log = new FileSourceLog(_store, Prefix);
        await log.LoadAsync(default);
        await log.AppendAsync(2, ["/in/a", "/in/b"], default);
        await log.AppendAsync(2, ["/in/a", "/in/b"], default);

        Assert.Equal([Prefix + "0"], await _store.ListAsync(Prefix));
    }

    [Fact]
    public async Task Append_WhenAnotherCopyWroteTheEntry_KeepsItIfTheOffsetIsTheSame_AndRefusesOtherwise()
    {
        var first = new FileSourceLog(_store, Prefix);
        await first.LoadAsync(default);
        var second = new FileSourceLog(_store, Prefix);
        await second.LoadAsync(default);
        await first.AppendAsync(1, ["/in/a"], default);

        await second.AppendAsync(1, ["/in/a"], default);
        Assert.Equal(1, second.Count);

        var third = new FileSourceLog(_store, Prefix);
        await third.LoadAsync(default);
        var stale = new FileSourceLog(_store, Prefix);
        await stale.LoadAsync(default);
        await third.AppendAsync(2, ["/in/b"], default);
        await Assert.ThrowsAsync<InvalidOperationException>(() => stale.AppendAsync(5, ["/in/x"], default));
    }
}
