using System.Text.Json;
using Apache.Arrow;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Sources;

namespace OrleansStream.Grains.Sources;

/// <summary>
/// A folder that receives files. The end offset of an epoch lists the files it takes; the files already taken are part of
/// the trigger's checkpoint, so each file is processed once, and a replayed epoch reads exactly the files it listed.
/// </summary>
internal sealed class FileSourceConnector(string format, string directory, Schema schema, IReadOnlyDictionary<string, string> options) : ISourceConnector
{
    private readonly ReaderOptions _readerOptions = new(options);
    private readonly int? _maxFiles = new ReaderOptions(options).GetPositiveInt("maxFilesPerTrigger");
    private readonly bool _latestFirst = new ReaderOptions(options).GetBool("latestFirst", false);

    public Schema Schema => schema;
    // An epoch's files are spread over this many source tasks (file i goes to task i % n), so that decoding uses every core.
    public int NumPartitions { get; } = new ReaderOptions(options).GetPositiveInt("numPartitions") ?? Math.Clamp(Environment.ProcessorCount, 1, 8);
    public string Description => $"FileStreamSource[file:{directory}]";

    public Task<string?> PlanAsync(string? previousEnd, SourcePlanningState state, string? bound, CancellationToken cancellationToken)
    {
        var seen = state.SeenFiles;
        if (bound is not null)
        {
            // Trigger.AvailableNow: files that arrived after the start are left for a later run.
            var allowed = JsonSerializer.Deserialize<HashSet<string>>(bound)!;
            seen = new HashSet<string>(new FileSourceListing(directory).ListAll().Select(f => f.Path).Where(f => !allowed.Contains(f)).Concat(seen));
        }
        var files = new FileSourceListing(directory, null, _maxFiles, _latestFirst).NextBatch(seen).Select(f => f.Path).ToList();
        return Task.FromResult(files.Count == 0 ? null : JsonSerializer.Serialize(new FileOffset(state.SeenFiles.Count + files.Count, files)));
    }

    public Task<string?> CaptureBoundAsync(SourcePlanningState state, CancellationToken cancellationToken) =>
        Task.FromResult<string?>(JsonSerializer.Serialize(new FileSourceListing(directory).NextBatch(state.SeenFiles).Select(f => f.Path).ToList()));

    public void OnPlanned(string end, SourcePlanningState state)
    {
        foreach (var file in Parse(end).files) state.SeenFiles.Add(file);
    }

    public Task<IReadOnlyList<RecordBatch>> ReadAsync(string? start, string end, int partition, int numPartitions, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<RecordBatch>>(FilesOf(end, partition, numPartitions).Select(f => FileReading.Read(format, f, schema, _readerOptions)).ToList());

    public Task<IReadOnlyList<RecordBatch>> ReadColumnsAsync(string? start, string end, int partition, int numPartitions, Schema columns, CancellationToken cancellationToken)
    {
        var read = FileReading.ColumnsToRead(format, schema, columns);
        return Task.FromResult<IReadOnlyList<RecordBatch>>(FilesOf(end, partition, numPartitions).Select(f => FileReading.Read(format, f, read, _readerOptions)).ToList());
    }

    private static IEnumerable<string> FilesOf(string end, int partition, int numPartitions) => Parse(end).files.Where((_, i) => i % numPartitions == partition);

    private static FileOffset Parse(string json) => JsonSerializer.Deserialize<FileOffset>(json) ?? throw new JsonException("empty file offset");

    /// <summary>logOffset counts the files taken so far (as Spark's FileStreamSourceOffset); files are this epoch's.</summary>
    private sealed record FileOffset(long logOffset, IReadOnlyList<string> files);
}
