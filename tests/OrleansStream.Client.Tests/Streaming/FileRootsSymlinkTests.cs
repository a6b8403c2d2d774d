using OrleansStream.Client.Tests.Infrastructure;
using OrleansStream.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace OrleansStream.Client.Tests.Streaming;

/// <summary>
/// An embedded silo with OrleansStream__FileRoots set (through ConfigureSilo): symbolic links never take a file source
/// or sink outside the roots, whether they are there at start or appear while the query runs.
/// </summary>
public sealed class FileRootsSymlinkTests : IAsyncLifetime
{
    private const string Schema = "id INT";
    private readonly TempDirectory _dir = new();
    private StreamSession _session = null!;

    private string Root => Path.Combine(_dir.Path, "root");
    private string Outside => Path.Combine(_dir.Path, "outside");

    public async Task InitializeAsync()
    {
        _dir.Sub("root");
        _dir.Sub("outside");
        _session = await StreamSession.StartLocalAsync(new EmbeddedSiloOptions
        {
            DataDirectory = Path.Combine(_dir.Path, "data"),
            ConfigureSilo = silo => silo.Services.Configure<OrleansStreamOptions>(o => o.FileRoots = Root),
        });
    }

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
        _dir.Dispose();
    }

    private static string Lines(params int[] ids) => string.Concat(ids.Select(i => $"{{\"id\":{i}}}\n"));

    [Fact]
    public async Task Start_WhenTheSourceFolderIsALinkOutOfTheRoots_IsRefusedNamingOptionPathAndRoots()
    {
        TempDirectory.WriteFile(Outside, "secret.json", Lines(42));
        var input = Directory.CreateSymbolicLink(Path.Combine(Root, "in"), Outside).FullName;

        var error = await Assert.ThrowsAnyAsync<Exception>(() => _session.ReadStream.Schema(Schema).Json(input)
            .WriteStream.Format("memory").QueryName("linked_source").StartAsync());
        Assert.Contains("'path'", error.Message);
        Assert.Contains(Outside, error.Message);
        Assert.Contains(Root, error.Message);
    }

    [Fact]
    public async Task Start_WhenTheSinkFolderLiesUnderALinkOutOfTheRoots_IsRefused()
    {
        var input = _dir.Sub("root/in");
        Directory.CreateSymbolicLink(Path.Combine(Root, "shared"), Outside);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => _session.ReadStream.Schema(Schema).Json(input)
            .WriteStream.Format("json").Option("checkpointLocation", "linked_sink").StartAsync(Path.Combine(Root, "shared", "out")));
        Assert.Contains("outside the configured file roots", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Outside));
    }

    [Fact]
    public async Task Running_AFileLinkDroppedIntoTheInput_IsSkippedWhileALinkInsideTheRootsIsRead()
    {
        var input = _dir.Sub("root/in");
        TempDirectory.WriteFile(input, "a.json", Lines(1));
        TempDirectory.WriteFile(Outside, "secret.json", Lines(666));
        TempDirectory.WriteFile(_dir.Sub("root/other"), "b.json", Lines(2));
        var query = await _session.ReadStream.Schema(Schema).Json(input)
            .WriteStream.Format("memory").QueryName("dropped_links").StartAsync();
        await query.ProcessAllAvailableAsync();

        File.CreateSymbolicLink(Path.Combine(input, "evil.json"), Path.Combine(Outside, "secret.json"));
        File.CreateSymbolicLink(Path.Combine(input, "fine.json"), Path.Combine(Root, "other", "b.json"));
        TempDirectory.WriteFile(input, "c.json", Lines(3));
        await query.ProcessAllAvailableAsync();
        await query.StopAsync();

        var ids = (await _session.Table("dropped_links").CollectAsync()).Select(r => r.Get<int>("id")).Order();
        Assert.Equal([1, 2, 3], ids);
    }

    [Fact]
    public async Task Running_WhenTheSinkFolderIsReplacedByALinkOut_TheQueryFailsWithoutWritingThere()
    {
        var input = _dir.Sub("root/in");
        var output = Path.Combine(Root, "out");
        TempDirectory.WriteFile(input, "a.json", Lines(1));
        var query = await _session.ReadStream.Schema(Schema).Json(input)
            .WriteStream.Format("json").Option("checkpointLocation", "swapped_sink").StartAsync(output);
        await query.ProcessAllAvailableAsync();

        Directory.Delete(output, recursive: true);
        Directory.CreateSymbolicLink(output, Outside);
        TempDirectory.WriteFile(input, "b.json", Lines(2));
        var error = await Assert.ThrowsAsync<StreamingQueryException>(() => query.ProcessAllAvailableAsync());
        Assert.Contains(Outside, error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Outside));
    }

    [Fact]
    public async Task BatchRead_WhenTheFolderHoldsALinkOut_IsRefused()
    {
        var input = _dir.Sub("root/batch");
        TempDirectory.WriteFile(input, "a.json", Lines(1));
        TempDirectory.WriteFile(Outside, "secret.json", Lines(666));
        File.CreateSymbolicLink(Path.Combine(input, "evil.json"), Path.Combine(Outside, "secret.json"));

        var error = await Assert.ThrowsAnyAsync<Exception>(() => _session.Read.Schema(Schema).Json(input).CollectAsync());
        Assert.Contains(Path.Combine(Outside, "secret.json"), error.Message);
    }
}
