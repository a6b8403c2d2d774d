using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Sinks;
using OrleansStream.Engine.Types;
using OrleansStream.Grains.Hosting;
using OrleansStream.Grains.Sources;
using OrleansStream.Interfaces.Execution;
using OrleansStream.Interfaces.Queries;
using OrleansStream.Interfaces.Sinks;

namespace OrleansStream.Grains.Sinks;

/// <summary>
/// One sink partition. Rows of an epoch attempt are staged here (file sinks write their deterministic part files
/// at once), and applied on commit. Staging is in memory: after a crash the whole epoch is re-run from the offset log.
/// </summary>
internal sealed class SinkGrain(PathResolver paths) : Grain, ISinkGrain
{
    private Guid _attempt;
    private readonly SortedDictionary<int, byte[]> _staged = new();
    private readonly List<string> _files = new();
    private int _stagedCalls;

    public Task StageAsync(Guid attempt, long batchId, int taskIndex, byte[] arrowIpc, SinkSpec sink)
    {
        Reset(attempt);
        _stagedCalls++;
        if (SourceConnectorFactory.FileFormats.Contains(sink.Format))
        {
            var batch = ArrowValues.Concat(OutputSchema(sink), ArrowIpc.DeserializeMany(arrowIpc));
            var writer = new FileSinkWriter(sink.OutputPath(), FileFormats.GetWriter(sink.Format), sink.Options, paths.FileRoots);
            _files.Add(writer.Write(batchId, taskIndex, attempt, batch));
        }
        else
        {
            _staged[taskIndex] = arrowIpc;
        }
        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<string>> CommitAsync(Guid attempt, long batchId, int expectedStages, SinkSpec sink, IQueryObserver? observer, Guid queryId, Guid runId)
    {
        Reset(attempt);
        try
        {
            // Staged rows (and the names of part files written) live in activation memory: committing what is left after
            // Orleans replaced the activation they reached would lose them.
            StagedInputMissingException.ThrowIfMissing($"Sink partition {this.GetPrimaryKeyString()}", batchId, expectedStages, _stagedCalls);
            switch (sink.Format.ToLowerInvariant())
            {
                case "memory":
                    await GrainFactory.GetGrain<IMemorySinkGrain>(sink.QueryName!).ApplyAsync(queryId, batchId, sink.OutputMode == "complete", StagedIpc(sink));
                    break;
                case "console":
                    Console.Write(ConsoleText(batchId, Staged(sink), sink.Options));
                    break;
                case "foreachbatch":
                    if (observer is null) throw new InvalidOperationException("foreachBatch needs the client that started the query; it is gone.");
                    await observer.ForeachBatch(runId, batchId, StagedIpc(sink));
                    break;
            }
            return _files.ToList();
        }
        finally
        {
            Reset(Guid.Empty);
        }
    }

    private void Reset(Guid attempt)
    {
        if (_attempt == attempt) return;
        _attempt = attempt;
        _staged.Clear();
        _files.Clear();
        _stagedCalls = 0;
    }

    private static Schema OutputSchema(SinkSpec sink) => DataTypes.ParseSchema(sink.OutputSchemaDdl);

    private RecordBatch Staged(SinkSpec sink) =>
        ArrowValues.Concat(OutputSchema(sink), _staged.Values.SelectMany(b => ArrowIpc.DeserializeMany(b)).ToList());

    private byte[] StagedIpc(SinkSpec sink) => ArrowIpc.Serialize(Staged(sink));

    private static string ConsoleText(long batchId, RecordBatch batch, IReadOnlyDictionary<string, string> options)
    {
        var numRows = options.TryGetValue("numRows", out var n) && int.TryParse(n, out var rows) ? rows : 20;
        var truncate = !options.TryGetValue("truncate", out var t) || !t.Equals("false", StringComparison.OrdinalIgnoreCase);
        const string rule = "-------------------------------------------";
        return $"{rule}\nBatch: {batchId}\n{rule}\n{ConsoleFormatter.Show(batch, numRows, truncate)}\n";
    }
}
