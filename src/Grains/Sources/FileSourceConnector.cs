using System.Text.Json;
using Apache.Arrow;
using Microsoft.Extensions.Logging;
using OrleansStream.Engine.Files;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Sources;

namespace OrleansStream.Grains.Sources;

/// <summary>
/// A folder that receives files. The end offset of an epoch lists the files it takes; the files already taken are part of
/// the trigger's checkpoint, so each file is processed once, and a replayed epoch reads exactly the files it listed.
/// With file roots, a file whose real path leaves them is never planned (it is skipped with a warning, as Spark skips files
/// it does not take as data) and never read (a planned file that has since become such a link fails the epoch).
/// </summary>
internal sealed partial class FileSourceConnector(string format, string directory, Schema schema, IReadOnlyDictionary<string, string> options,
    FileRoots? roots, long memoryBudgetBytes, ILogger<FileSourceConnector> logger) : ISourceConnector
{
    // Planning polls the folder every trigger: warn about each refused file once, not on every poll.
    private readonly HashSet<string> _refused = new(StringComparer.Ordinal);
    private readonly ReaderOptions _readerOptions = new(options);
    private readonly int? _maxFiles = new ReaderOptions(options).GetPositiveInt("maxFilesPerTrigger");
    private readonly bool _latestFirst = new ReaderOptions(options).GetBool("latestFirst", false);
    private readonly long _maxBytes = EpochAdmission.MaxFileBytes(new ReaderOptions(options).GetPositiveLong("maxBytesPerTrigger"), memoryBudgetBytes);

    public Schema Schema => schema;
    // An epoch's files are spread over this many source tasks (file i goes to task i % n), so that decoding uses every core.
    public int NumPartitions { get; } = new ReaderOptions(options).GetPositiveInt("numPartitions") ?? Math.Clamp(Environment.ProcessorCount, 1, 8);
    public string Description => $"FileStreamSource[file:{directory}]";
    public IReadOnlyDictionary<string, string> Backlog { get; private set; } = ISourceConnector.NoBacklog;

    public Task<string?> PlanAsync(string? previousEnd, SourcePlanningState state, string? bound, CancellationToken cancellationToken)
    {
        var seen = state.SeenFiles;
        if (bound is not null)
        {
            // Trigger.AvailableNow: files that arrived after the start are left for a later run.
            var allowed = JsonSerializer.Deserialize<HashSet<string>>(bound)!;
            seen = new HashSet<string>(Listing().ListAll().Select(f => f.Path).Where(f => !allowed.Contains(f)).Concat(seen));
        }
        var files = Listing(_maxFiles, _latestFirst).NextBatch(seen, _maxBytes, out var left).Select(f => f.Path).ToList();
        Backlog = ISourceConnector.BacklogOf("filesBehindLatest", left);
        return Task.FromResult(files.Count == 0 ? null : JsonSerializer.Serialize(new FileOffset(state.SeenFiles.Count + files.Count, files)));
    }

    public Task<string?> CaptureBoundAsync(SourcePlanningState state, CancellationToken cancellationToken) =>
        Task.FromResult<string?>(JsonSerializer.Serialize(Listing().NextBatch(state.SeenFiles).Select(f => f.Path).ToList()));

    public void OnPlanned(string end, SourcePlanningState state)
    {
        foreach (var file in Parse(end).files) state.SeenFiles.Add(file);
    }

    public Task<IReadOnlyList<RecordBatch>> ReadAsync(string? start, string end, int partition, int numPartitions, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<RecordBatch>>(FilesOf(end, partition, numPartitions).Select(f => Read(f, schema)).ToList());

    public Task<IReadOnlyList<RecordBatch>> ReadColumnsAsync(string? start, string end, int partition, int numPartitions, Schema columns, CancellationToken cancellationToken)
    {
        var read = FileReading.ColumnsToRead(format, schema, columns);
        return Task.FromResult<IReadOnlyList<RecordBatch>>(FilesOf(end, partition, numPartitions).Select(f => Read(f, read)).ToList());
    }

    private FileSourceListing Listing(int? maxFiles = null, bool latestFirst = false) =>
        new(directory, null, maxFiles, latestFirst, roots, Refuse);

    private void Refuse(string file)
    {
        if (_refused.Add(file)) LogWarningFileOutsideRoots(logger, file, directory, roots!.Configured, _refused.Count);
    }

    // A file listed inside the roots may have been swapped for a link out since; the epoch lists it, so it cannot be skipped.
    private RecordBatch Read(string file, Schema read)
    {
        roots?.ThrowIfOutside(file, "Source file");
        return FileReading.Read(format, file, read, _readerOptions);
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning,
        Message = "File source skips '{File}' in '{Directory}': its real path (following symbolic links) is outside the configured file roots ({Roots}); {Count} file(s) skipped so far")]
    private static partial void LogWarningFileOutsideRoots(ILogger logger, string file, string directory, string roots, int count);

    private static IEnumerable<string> FilesOf(string end, int partition, int numPartitions) => Parse(end).files.Where((_, i) => i % numPartitions == partition);

    private static FileOffset Parse(string json) => JsonSerializer.Deserialize<FileOffset>(json) ?? throw new JsonException("empty file offset");

    /// <summary>logOffset counts the files taken so far (as Spark's FileStreamSourceOffset); files are this epoch's.</summary>
    private sealed record FileOffset(long logOffset, IReadOnlyList<string> files);
}
