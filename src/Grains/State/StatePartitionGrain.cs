using System.Diagnostics;
using Apache.Arrow;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.Planning.Physical;
using OrleansStream.Engine.State;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using OrleansStream.Grains.Execution;
using OrleansStream.Grains.Hosting;
using OrleansStream.Engine.Connectors;
using OrleansStream.Grains.Connectors;
using OrleansStream.Interfaces.Execution;
using OrleansStream.Interfaces.Lookups;

namespace OrleansStream.Grains.State;

/// <summary>
/// A partition of a keyed stage (DESIGN.md §3–4): keeps its key groups' state in memory at the version of the last epoch it
/// ran, consumes the rows staged for an epoch in producer order, runs the stage's keyed operator and pipeline, hands the rows
/// on to the stage's outputs (keyed stages' partitions, or the sink) and writes the epoch's state version in the background
/// while the next epoch runs. If asked
/// to build on a version it does not hold (the epoch is being re-run after a failure), it reloads the last committed
/// version from the checkpoint first.
/// </summary>
// Hash placement spreads a stage's partitions over the silos (and re-spreads them when one dies), where the default would keep them next to the trigger.
[HashBasedPlacement]
internal sealed class StatePartitionGrain(ConnectorFactory connectors, ICheckpointStore store,
    ILogger<StatePartitionGrain> logger) : Grain, IStatePartitionGrain
{
    private readonly PlanCache _plans = new(connectors);
    private readonly VersionedStateStore _files = new(store, (e, message) => StateLog.LogWarningStateStore(logger, e, message));
    // Per attempt: the next epoch's source tasks may stage here while this partition still finishes the epoch before it.
    private readonly StagedInputs _staged = new();
    // The running epoch's input parts, whose pooled arrays are released once the epoch no longer reads them.
    private readonly List<RecordBatch> _consumed = [];
    private IStatefulOperator? _operator;
    // The plan the operator was made for: a query restarted on the same checkpoint with another plan (another processor)
    // must not find the previous run's operator here.
    private string? _operatorPlan;
    private long _version = long.MinValue;
    private int _partitions;
    private bool _forceSnapshot;
    // Live lookups read this copy of the state at a committed version (made on the first lookup), never the state an epoch is changing.
    private LookupReplica? _replica;
    // The plan and partition count the replica was made for: one made for another run or layout is of no use.
    private (string Plan, int Partitions) _replicaFor;
    private bool _running;

    public Task StageAsync(Guid attempt, long batchId, int inputIndex, int producerStage, int producer, ExchangeRows rows)
    {
        rows.NoteReceived();
        _staged.Add(attempt, batchId, inputIndex, producerStage, producer, rows.Rows);
        return Task.CompletedTask;
    }

    public async Task<PartitionResult> FinishAsync(PartitionEpoch epoch)
    {
        _running = true;
        try
        {
            return await RunEpochAsync(epoch);
        }
        finally
        {
            _running = false;
        }
    }

    private async Task<PartitionResult> RunEpochAsync(PartitionEpoch epoch)
    {
        // Taken before anything is awaited: stage calls of the next epoch's attempt may interleave with the awaits below.
        // A failed attempt's input, never read, goes back to the pool.
        var (staged, stagedCalls) = _staged.Take(epoch.Attempt, epoch.BatchId, static rows => BatchBuffers.Release(rows));
        // Staged rows live in activation memory: if Orleans replaced the activation they reached, running on what is left
        // would commit the epoch without them.
        StagedInputMissingException.ThrowIfMissing($"State partition {this.GetPrimaryKeyString()}", epoch.BatchId, epoch.ExpectedInputs, stagedCalls);
        var (plan, _) = _plans.Get(epoch.PlanJson);
        var stage = plan.Stages[epoch.StageId];
        var spec = stage.Operator ?? throw new InvalidOperationException($"Stage {epoch.StageId} has no keyed operator.");
        if (_operator is null || _version != epoch.BatchId - 1 || _partitions != epoch.NumPartitions || !string.Equals(_operatorPlan, epoch.PlanJson, StringComparison.Ordinal))
        {
            // Only a committed version can be loaded; a newer one lived in a memory that is gone (or was never made durable).
            if (epoch.LastCommitted != epoch.BatchId - 1)
                throw new StateVersionUnavailableException($"State partition {this.GetPrimaryKeyString()} cannot run epoch {epoch.BatchId}: version {epoch.BatchId - 1} is not in its memory and not committed (the last committed is {epoch.LastCommitted}).");
            (_operator as IDisposable)?.Dispose();
            // A copy made for another layout or plan is of no use; one at or below the reloaded version catches up by deltas.
            if (_replicaFor != (epoch.PlanJson, epoch.NumPartitions) || _replica?.OnReloaded(epoch.LastCommitted) == false)
                _replica = null;
            _operator = spec.CreateOperator(epoch.OutputMode, ServiceProvider);
            _operatorPlan = epoch.PlanJson;
            _forceSnapshot = await _files.LoadAsync(_operator, Location(epoch), epoch.StoredPartitions, epoch.LastCommitted);
            _version = epoch.LastCommitted;
            _partitions = epoch.NumPartitions;
        }
        _files.TakeDueSnapshot(_operator, _version);
        // From here the in-memory state moves past the loaded version: if anything below fails (a sink or the next
        // operator's partition died), the next attempt must reload the committed version rather than trust memory.
        _version = long.MinValue;
        var input = new List<KeyedInput>();
        _consumed.Clear();
        foreach (var (inputIndex, part) in staged)
        {
            _consumed.Add(part);
            input.Add(new KeyedInput(inputIndex, part));
        }
        // The operator's output columns may be rented here: they are read only until the rows are handed on (serialized).
        var outputBuffers = new BatchBuffers(Pool);
        var context = new StatefulContext(epoch.BatchId, epoch.LateThresholdMicros, epoch.EvictThresholdMicros)
        {
            OwnedKeyGroups = KeyGroups.KeyGroupRange(epoch.Partition, epoch.NumKeyGroups, epoch.NumPartitions),
            BatchTimestampMicros = epoch.BatchTimestampMicros,
            Buffers = outputBuffers,
        };
        var deliveries = new Dictionary<string, int>(StringComparer.Ordinal);
        RecordBatch rows;
        try
        {
            // Async handlers (AsyncStatefulProcessor) are awaited here: the version below is staged only once all have completed.
            var output = _operator is IAsyncStatefulOperator async ? await async.ProcessAsync(input, context) : _operator.Process(input, context);
            rows = stage.RunPipeline(output, new EpochContext(epoch.BatchId, epoch.BatchTimestampMicros));
            await HandOnAsync(plan, stage, epoch, rows, deliveries);
        }
        finally
        {
            outputBuffers.ReleaseRented();
        }
        // An operator that copies what it keeps of its input is done with the input parts (and its output is handed on):
        // their arrays go back to the pool. Input an operator may keep, or an epoch that failed, leaves them to the GC.
        if (!_operator.RetainsInput) foreach (var part in _consumed) BatchBuffers.Release(part);
        _consumed.Clear();

        var watch = Stopwatch.StartNew();
        // The versions before were written while this epoch ran: two may be in flight (the previous one's flush need not
        // end within this epoch), so this answer waits for the one before the previous, and lets the trigger commit it.
        await _files.WhenWrittenAsync(epoch.BatchId - VersionedStateStore.MaxWritesInFlight);
        var previousWriteMs = _files.LastWriteMs;
        _replica?.Record(epoch.BatchId, _operator.Delta());
        var (bytes, snapshot) = _files.BeginWrite(_operator, Location(epoch), epoch.BatchId, epoch.LastCommitted, epoch.SnapshotInterval, _forceSnapshot,
            TimeSpan.FromMilliseconds(epoch.SnapshotMinIntervalMs));
        _forceSnapshot = false;
        _version = epoch.BatchId;
        if (_files.IsSnapshotPending) TakeSnapshotAfterThisTurn(_operator);
        var metrics = _operator.Metrics;
        return new PartitionResult
        {
            OutputRows = rows.Length,
            NumRowsTotal = metrics.NumRowsTotal,
            NumRowsUpdated = metrics.NumRowsUpdated,
            NumRowsRemoved = metrics.NumRowsRemoved,
            NumRowsDroppedByWatermark = metrics.NumRowsDroppedByWatermark,
            MemoryUsedBytes = metrics.MemoryUsedBytes,
            CommitTimeMs = Engine.Execution.Streaming.ProgressBuilder.Milliseconds(watch),
            StateBytesWritten = bytes,
            WroteSnapshot = snapshot,
            PreviousWriteMs = previousWriteMs,
            Deliveries = deliveries,
            AllUpdatesTimeMs = metrics.AllUpdatesTimeMs, AllRemovalsTimeMs = metrics.AllRemovalsTimeMs, CustomMetrics = new(metrics.CustomMetrics),
            NextProcessingTimerMs = metrics.NextProcessingTimerMs,
        };
    }

    public async Task<PartitionLookupResult> LookupAsync(PartitionLookupRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_replica is null || _replica.IsBroken || _replicaFor != (request.PlanJson, request.NumPartitions))
        {
            _replica = null;
            if (_running)
                return new PartitionLookupResult { NotReady = $"state partition {this.GetPrimaryKeyString()} is running an epoch and holds no copy of its state yet" };
            var (plan, _) = _plans.Get(request.PlanJson);
            var spec = plan.Stages[request.StageId].Operator!;
            var copy = spec.CreateOperator("update", ServiceProvider);
            // The first copy is made between epochs, from the state as the last epoch left it.
            if (_operator is not null && _version != long.MinValue && string.Equals(_operatorPlan, request.PlanJson, StringComparison.Ordinal) && _partitions == request.NumPartitions)
                _replica = new LookupReplica(copy, _operator, _version);
            else
            {
                // No epoch of this run has run here (the process restarted with no new input since): read the committed version
                // straight from the checkpoint into the copy. The read changes nothing in the store and leaves _operator alone, so
                // an epoch starting meanwhile loads its own; if one runs, the copy lacks its delta and is remade after it.
                try
                {
                    await _files.ReadVersionAsync(copy, new StatePartitionLocation(request.QueryKey, request.StageId, request.Partition,
                        request.NumPartitions, request.NumKeyGroups), request.NumPartitions, request.Committed);
                }
                catch (StateFileVanishedException)
                {
                    // An epoch that started meanwhile cleaned up the deltas its snapshot replaced: ask again, its copy will do.
                    (copy as IDisposable)?.Dispose();
                    return new PartitionLookupResult { NotReady = $"state partition {this.GetPrimaryKeyString()} lost a state file to a clean-up while reading it" };
                }
                if (_replica is not null && !_replica.IsBroken && _replicaFor == (request.PlanJson, request.NumPartitions))
                {
                    // Another lookup made one while this read ran.
                    (copy as IDisposable)?.Dispose();
                    return Answer(_replica, request);
                }
                _replica = new LookupReplica(copy, request.Committed);
            }
            _replicaFor = (request.PlanJson, request.NumPartitions);
        }
        return Answer(_replica, request);
    }

    private PartitionLookupResult Answer(LookupReplica replica, PartitionLookupRequest request)
    {
        if (!replica.TryAdvance(request.Committed))
            return new PartitionLookupResult { NotReady = $"state partition {this.GetPrimaryKeyString()} holds version {replica.Version}, not the committed {request.Committed}" };
        var lookup = replica.Lookup;
        if (request.KeysIpc is not { } keysIpc)
            return new PartitionLookupResult { Rows = ArrowIpc.Serialize(lookup.Scan(request.ScanLimit)) };
        var keys = ArrowIpc.Deserialize(keysIpc);
        var found = new bool[keys.Length];
        var rows = lookup.Lookup(keys, found);
        return new PartitionLookupResult { Found = found, Rows = ArrowIpc.Serialize(rows) };
    }

    // Spark's close(): the processor of a transformWithState partition is released with the activation.
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        (_operator as IDisposable)?.Dispose();
        _operator = null;
        return base.OnDeactivateAsync(reason, cancellationToken);
    }

    public Task WhenWrittenAsync(long version) => _version == version
        ? WhenFileWrittenAsync(version)
        : throw new StateVersionUnavailableException($"State partition {this.GetPrimaryKeyString()} does not hold version {version} (it holds {_version}).");

    private Task WhenFileWrittenAsync(long version) => _files.LastVersion == version
        ? _files.WhenWrittenAsync(version)
        : Task.FromException(new StateVersionUnavailableException($"State version {version} was not written by this activation (its last is {_files.LastVersion})."));

    private static StatePartitionLocation Location(PartitionEpoch epoch) =>
        new(epoch.QueryKey, epoch.StageId, epoch.Partition, epoch.NumPartitions, epoch.NumKeyGroups);

    // Queued on this activation's scheduler, it runs as a turn of its own, never alongside other grain code, but possibly
    // while a later request awaits: so it takes the snapshot only if the state is still at the version it fell due in.
    private void TakeSnapshotAfterThisTurn(IStatefulOperator op) =>
        Task.Factory.StartNew(() =>
        {
            try
            {
                _files.TakeDueSnapshot(op, _version);
            }
            catch (Exception e)
            {
                // The delta chain still restores every version.
                StateLog.LogWarningSnapshotFailed(logger, e, this.GetPrimaryKeyString());
            }
        }, CancellationToken.None, TaskCreationOptions.None, TaskScheduler.Current);

    private async Task HandOnAsync(PhysicalPlan plan, Stage stage, PartitionEpoch epoch, RecordBatch rows, Dictionary<string, int> deliveries)
    {
        if (rows.Length == 0) return;
        foreach (var to in stage.Outputs)
        {
            if (to.StageId is { } target)
            {
                var writer = plan.Stages[target].Operator!.CreateExchangeWriter(to.InputIndex);
                writer.Add(rows, new EpochContext(epoch.BatchId, epoch.BatchTimestampMicros));
                await Exchange.RouteAsync(GrainFactory, Pool, writer, epoch.QueryKey, target, to.InputIndex, epoch.StagePartitions[target], epoch.NumKeyGroups,
                    epoch.Attempt, epoch.BatchId, stage.Id, epoch.Partition, deliveries);
                continue;
            }
            if (epoch.Sink.DiscardsRows) continue;
            deliveries[epoch.SinkKey] = deliveries.GetValueOrDefault(epoch.SinkKey) + 1;
            await GrainFactory.Reference<ISinkGrain>(epoch.SinkKey).StageAsync(epoch.Attempt, epoch.BatchId, epoch.SinkProducer, ArrowIpc.Serialize(rows), epoch.Sink);
        }
    }

    private ArrowBufferPool Pool => ArrowBufferPool.Of(ServiceProvider);
}
