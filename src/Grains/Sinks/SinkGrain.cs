using System.Globalization;
using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Data;
using OrleansStream.Grains.Connectors;
using OrleansStream.Interfaces.Execution;
using OrleansStream.Interfaces.Queries;
using OrleansStream.Interfaces.Sinks;
using OrleansStream.Interfaces.Subscriptions;
using OrleansStream.Grains.Execution;

namespace OrleansStream.Grains.Sinks;

/// <summary>
/// One sink partition: hosts the sink connector's writer of the current epoch attempt (DESIGN.md §4). Producers stage their
/// rows with it and the trigger commits it; what the writer keeps until then is in memory: after a crash the whole epoch
/// is re-run from the offset log.
/// </summary>
internal sealed class SinkGrain(ConnectorFactory connectors) : Grain, ISinkGrain
{
    private Guid _attempt;
    private ISinkWriter? _writer;
    private int _stagedCalls;
    // The attempt's rows as staged, for the query's live subscriptions (the bytes are immutable: kept, not copied).
    private readonly List<(int TaskIndex, byte[] Bytes)> _output = new();

    public async Task StageAsync(Guid attempt, long batchId, int taskIndex, byte[] arrowIpc, SinkSpec sink)
    {
        Reset(attempt);
        _stagedCalls++;
        _output.Add((taskIndex, arrowIpc));
        await Writer(sink, batchId).WriteAsync(taskIndex, ArrowIpc.DeserializeMany(arrowIpc), CancellationToken.None);
    }

    public async Task<IReadOnlyList<string>> CommitAsync(Guid attempt, long batchId, int expectedStages, SinkSpec sink, IQueryObserver? observer, Guid queryId, Guid runId)
    {
        Reset(attempt);
        try
        {
            // Staged rows (and the names of part files written) live in activation memory: committing what is left after
            // Orleans replaced the activation they reached would lose them.
            StagedInputMissingException.ThrowIfMissing($"Sink partition {this.GetPrimaryKeyString()}", batchId, expectedStages, _stagedCalls);
            var files = await Writer(sink, batchId).CommitAsync(new SinkCommitContext(queryId, runId, observer), CancellationToken.None);
            await PublishOutputAsync(batchId, sink);
            return files;
        }
        finally
        {
            Reset(Guid.Empty);
        }
    }

    // Subscriptions publish the epoch when the trigger commits it; they learn of its rows here, in producer order. A partition
    // handed nothing (every epoch of a noop sink) has nothing to tell them: the commit publishes the epoch without its rows,
    // and the epoch does not wait for a round trip to the subscriptions.
    private Task PublishOutputAsync(long batchId, SinkSpec sink)
    {
        if (_output.Count == 0) return Task.CompletedTask;
        var key = this.GetPrimaryKeyString();
        var parts = _output.OrderBy(o => o.TaskIndex).Select(o => o.Bytes).ToList();
        return GrainFactory.Reference<ISubscriptionGrain>(key[..key.LastIndexOf('|')]).StageOutputAsync(_attempt, batchId, key, sink.OutputMode, parts);
    }

    private ISinkWriter Writer(SinkSpec sink, long batchId) =>
        _writer ??= connectors.CreateSink(sink).CreateWriter(new SinkWriterContext(batchId, Partition, _attempt));

    // The key is "{query}|{partition}".
    private int Partition
    {
        get
        {
            var key = this.GetPrimaryKeyString();
            return int.TryParse(key.AsSpan(key.LastIndexOf('|') + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var partition) ? partition : 0;
        }
    }

    // A new attempt drops what an earlier one staged: its epoch runs again from the start.
    private void Reset(Guid attempt)
    {
        if (_attempt == attempt) return;
        _attempt = attempt;
        _writer = null;
        _stagedCalls = 0;
        _output.Clear();
    }
}
