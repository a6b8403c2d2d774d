using System.Runtime.CompilerServices;
using Apache.Arrow;
using Microsoft.Extensions.Logging;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Files;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Sources;

namespace OrleansStream.Engine.Connectors.Files;

/// <summary>
/// A folder that receives files. The end offset of an epoch lists the files it takes, so a replayed epoch reads exactly
/// them; the files taken so far are kept in the source's own <see cref="FileSourceLog"/> (one entry per epoch, compacted),
/// so each file is processed once without the trigger's state growing with every file. With file roots, a file whose real
/// path leaves them is never planned (it is skipped with a warning, as Spark skips files it does not take as data) and
/// never read (a planned file that has since become such a link fails the epoch).
/// </summary>
internal sealed partial class FileStreamSource(string format, string directory, Schema schema, IReadOnlyDictionary<string, string> options,
    FileRoots? roots, long memoryBudgetBytes, FileSourceLog? log, ArrowBufferPool pool, ILogger<FileStreamSource> logger) : StreamSource<FileOffset>
{
    // Planning polls the folder every trigger: warn about each refused file once, not on every poll.
    private readonly HashSet<string> _refused = new(StringComparer.Ordinal);
    private readonly ReaderOptions _readerOptions = new(options);
    private readonly int? _maxFiles = new ReaderOptions(options).GetPositiveInt("maxFilesPerTrigger");
    private readonly bool _latestFirst = new ReaderOptions(options).GetBool("latestFirst", false);
    private readonly long _maxBytes = EpochAdmission.MaxFileBytes(new ReaderOptions(options).GetPositiveLong("maxBytesPerTrigger"), memoryBudgetBytes);
    private bool _loaded;

    public override Schema Schema => schema;
    // An epoch's files are spread over this many source tasks (file i goes to task i % n), so that decoding uses every core.
    public override int NumPartitions { get; } = new ReaderOptions(options).GetPositiveInt("numPartitions") ?? Math.Clamp(Environment.ProcessorCount, 1, 8);
    public override string Description => $"FileStreamSource[file:{directory}]";

    protected override async Task<FileOffset?> LatestOffsetAsync(FileOffset? previous, FileOffset? bound, ISourcePlanningState state, CancellationToken cancellationToken)
    {
        var seen = await SeenAsync(previous, state, cancellationToken).ConfigureAwait(false);
        IReadOnlySet<string> skip = seen;
        if (bound is not null)
        {
            // Trigger.AvailableNow: files that arrived after the start are left for a later run.
            var allowed = new HashSet<string>(bound.Files, StringComparer.Ordinal);
            var later = new HashSet<string>(seen, StringComparer.Ordinal);
            foreach (var file in Listing().ListAll()) if (!allowed.Contains(file.Path)) later.Add(file.Path);
            skip = later;
        }
        var files = Listing(_maxFiles, _latestFirst).NextBatch(skip, _maxBytes, out var left).Select(f => f.Path).ToList();
        SetBacklog("filesBehindLatest", left);
        return files.Count == 0 ? null : new FileOffset(seen.Count + files.Count, files);
    }

    protected override async Task<FileOffset?> AvailableNowBoundAsync(ISourcePlanningState state, CancellationToken cancellationToken)
    {
        var seen = await SeenAsync(null, state, cancellationToken).ConfigureAwait(false);
        return new FileOffset(0, Listing().NextBatch(seen).Select(f => f.Path).ToList());
    }

    // Without a log of its own (a bare engine), the source keeps its files in the planning state, as older versions did.
    protected override void OnPlanned(FileOffset end, ISourcePlanningState state)
    {
        if (log is not null) return;
        foreach (var file in end.Files) state.SeenFiles.Add(file);
    }

    /// <summary>
    /// The files taken so far. The log holds every planned epoch but perhaps the last: its entry is appended here, from the
    /// offset it ended at, once that offset was written ahead (a planned epoch that never was is then never recorded).
    /// </summary>
    private async Task<HashSet<string>> SeenAsync(FileOffset? previous, ISourcePlanningState state, CancellationToken cancellationToken)
    {
        if (log is null) return state.SeenFiles as HashSet<string> ?? new HashSet<string>(state.SeenFiles, StringComparer.Ordinal);
        if (!_loaded)
        {
            await log.LoadAsync(cancellationToken).ConfigureAwait(false);
            // An older checkpoint kept the seen files in the trigger's state: move them into the log, and out of the state
            // (which the next write-ahead saves without them).
            if (state.SeenFiles.Count > 0)
            {
                await log.MigrateAsync(state.SeenFiles.ToList(), cancellationToken).ConfigureAwait(false);
                state.SeenFiles.Clear();
            }
            _loaded = true;
        }
        if (previous is not null) await log.AppendAsync(previous.LogOffset, previous.Files, cancellationToken).ConfigureAwait(false);
        return log.Files;
    }

    protected override async IAsyncEnumerable<RecordBatch> ReadAsync(FileOffset? start, FileOffset end, SourcePartition partition, Schema columns,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var read = FileReading.ColumnsToRead(format, schema, columns);
        for (var i = partition.Index; i < end.Files.Count; i += partition.Count)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return Read(end.Files[i], read);
        }
        await Task.CompletedTask.ConfigureAwait(false);
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
        // The source task releases an epoch's batches once shipped: a Parquet file's columns go back to the pool then.
        return FileReading.Read(format, file, read, _readerOptions, pool);
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning,
        Message = "File source skips '{File}' in '{Directory}': its real path (following symbolic links) is outside the configured file roots ({Roots}); {Count} file(s) skipped so far")]
    private static partial void LogWarningFileOutsideRoots(ILogger logger, string file, string directory, string roots, int count);
}
