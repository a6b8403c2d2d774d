using Apache.Arrow;
using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Connectors.Files;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Tests.Data;

namespace OrleansStream.Engine.Tests.Connectors;

/// <summary>A folder read as the static side of a streaming query: versioned by its files, read whole at a version.</summary>
public sealed class FileStaticSourceTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _input;

    public FileStaticSourceTests() => _input = Directory.CreateDirectory(Path.Combine(_dir.Path, "static")).FullName;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Version_ChangesWithANewFile_AndEachVersionReadsItsOwnFiles()
    {
        AddFile("a.json", 1, 2);
        var source = Open();
        var first = await source.VersionAsync(default);
        Assert.Equal(first, await source.VersionAsync(default));

        AddFile("b.json", 3);
        var second = await source.VersionAsync(default);

        Assert.NotEqual(first, second);
        Assert.Equal([1, 2], await ReadAsync(source, first));
        Assert.Equal([1, 2, 3], await ReadAsync(source, second));
    }

    [Fact]
    public async Task Read_WhenARecordedFileChanged_RefusesNamingIt()
    {
        var a = AddFile("a.json", 1);
        var source = Open();
        var version = await source.VersionAsync(default);
        File.WriteAllText(a, "{\"v\":1}\n{\"v\":9}\n");

        var error = await Assert.ThrowsAsync<IOException>(() => ReadAsync(source, version));
        Assert.Contains(a, error.Message);
    }

    [Fact]
    public async Task Version_OfAnEmptyFolder_ReadsNoRows()
    {
        var source = Open();
        Assert.Empty(await ReadAsync(source, await source.VersionAsync(default)));
    }

    private IStaticSource Open() => new FileSourceProvider().OpenStatic(
        new SourceRelation("1", "json", new Dictionary<string, string> { ["path"] = _input }, "v INT", false), new SourceContext());

    private static async Task<List<int>> ReadAsync(IStaticSource source, string version)
    {
        var values = new List<int>();
        await foreach (var batch in source.ReadAsync(version, source.Schema, default))
            values.AddRange(((Int32Array)batch.Column(0)).Values.ToArray());
        return values;
    }

    private string AddFile(string name, params int[] values)
    {
        var path = Path.Combine(_input, name);
        File.WriteAllText(path, string.Concat(values.Select(v => $"{{\"v\":{v}}}\n")));
        return path;
    }
}
