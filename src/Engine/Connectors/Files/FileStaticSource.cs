using System.Runtime.CompilerServices;
using System.Text.Json;
using Apache.Arrow;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Logical;

namespace OrleansStream.Engine.Connectors.Files;

/// <summary>
/// A file or folder read as the static side of a streaming query. Its version is the list of its data files (a file sink's
/// log decides, as in a batch read) with their sizes and modification times, so a file added to the folder shows in the
/// next epoch planned, and an epoch run again reads exactly the files it was planned with.
/// </summary>
internal sealed class FileStaticSource(SourceRelation source, Schema schema, SourceContext context) : IStaticSource
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Schema Schema => schema;

    public Task<string> VersionAsync(CancellationToken cancellationToken) =>
        Task.FromResult(JsonSerializer.Serialize(FileSourceProvider.DataFiles(source, context).Select(Describe).ToList(), Json));

    public async IAsyncEnumerable<RecordBatch> ReadAsync(string version, Schema columns, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var files = JsonSerializer.Deserialize<List<StaticFile>>(version, Json) ?? throw new JsonException("Empty static file version.");
        var read = FileReading.ColumnsToRead(source.Format, schema, columns);
        var options = new ReaderOptions(source.Options);
        foreach (var file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            context.FileRoots?.ThrowIfOutside(file.Path, "File");
            // Reading a changed file would give an epoch run again other rows than its first run: refuse, naming the file.
            if (!File.Exists(file.Path) || Describe(file.Path) != file)
                throw new IOException($"The static file '{file.Path}' changed or vanished after an epoch read it; the epoch cannot be run again with the same rows.");
            yield return FileReading.Read(source.Format, file.Path, read, options);
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    private static StaticFile Describe(string path)
    {
        var info = new FileInfo(path);
        return new StaticFile(path, info.Length, new DateTimeOffset(info.LastWriteTimeUtc).ToUnixTimeMilliseconds());
    }

    /// <summary>One file of a version.</summary>
    private sealed record StaticFile(string Path, long Length, long ModifiedMs);
}
