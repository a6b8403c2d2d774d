using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.Connectors;
using OrleansStream.Engine.Planning.Physical;
using OrleansStream.Grains.Connectors;
using OrleansStream.Grains.State;
using OrleansStream.Interfaces.Execution;

namespace OrleansStream.Grains.Execution;

/// <summary>
/// Reads one source partition's share of an epoch and runs the source stages that read it, column-wise. Rows bound for a
/// keyed stage are prepared by its exchange writer (partially aggregated) and routed by key group to its partitions; rows
/// bound for the sink are staged at the sink partition. Holds nothing durable: a re-run reads the same offsets again.
/// </summary>
internal sealed class SourceTaskGrain(ConnectorFactory connectors) : Grain, ISourceTaskGrain
{
    /// <summary>The producer stage source tasks stage under at keyed partitions: they come before every keyed stage's partitions.</summary>
    private const int SourceProducerStage = -1;

    private readonly PlanCache _plans = new(connectors);
    private Dictionary<(int Stage, int InputIndex), IExchangeWriter>? _idleExchanges;
    private PhysicalPlan? _idleExchangePlan;
    // The static leaves' batches of the last version read, per stage id, for the plan they were read for.
    private PhysicalPlan? _staticPlan;
    private Dictionary<int, (string Version, List<RecordBatch> Batches)> _staticBatches = new();

    public async Task<SourceTaskResult> RunAsync(SourceTask task)
    {
        var (plan, sources) = _plans.Get(task.PlanJson);
        var eventTime = new EventTimeCollector();
        // The owner of the columns computed from batches read without one (every source but nexmark): they are rented from
        // the pool and go back with the batches. Not for a static leaf, whose batches (and a subplan's) outlive the epoch.
        var computed = task.IsStatic ? null : new BatchBuffers(Pool);
        var context = new EpochContext(task.BatchId, task.BatchTimestampMicros) { EventTime = eventTime, Buffers = computed };
        var exchanges = TakeExchanges(plan);
        long inputRows = 0, outputRows = 0;
        var output = new List<RecordBatch>();
        Schema? outputSchema = null;
        var deliveries = new Dictionary<string, int>(StringComparer.Ordinal);
        // The batches read, held until everything made from them has been shipped (serialized): then their pooled arrays go back.
        var read = new List<RecordBatch>();
        // One stage per source, except a self-union, whose stages may each read different columns.
        foreach (var stage in plan.StagesReading(task.SourceId))
        {
            var pipeline = stage.Source!;
            var input = task.IsStatic ? ReadStaticAsync(plan, stage, task.StaticVersion, context)
                : sources[task.SourceId].ReadAsync(task.StartOffset, task.EndOffset, new SourcePartition(task.Partition, task.NumPartitions),
                    pipeline.ReadSchema, CancellationToken.None);
            await foreach (var batch in input)
            {
                if (!task.IsStatic) read.Add(batch);
                inputRows += batch.Length;
                var result = pipeline.Run(batch, context);
                if (result.Length == 0) continue;
                foreach (var to in stage.Outputs)
                {
                    if (to.StageId is not { } target)
                    {
                        outputRows += result.Length;
                        output.Add(result);
                        outputSchema ??= pipeline.OutputSchema;
                        continue;
                    }
                    if (!exchanges.TryGetValue((target, to.InputIndex), out var writer))
                        exchanges[(target, to.InputIndex)] = writer = plan.Stages[target].Operator!.CreateExchangeWriter(to.InputIndex);
                    writer.Add(result, context);
                }
            }
        }
        foreach (var ((target, inputIndex), writer) in exchanges)
            await Exchange.RouteAsync(GrainFactory, Pool, writer, task.QueryKey, target, inputIndex, task.StagePartitions[target], task.NumKeyGroups,
                task.Attempt, task.BatchId, SourceProducerStage, task.TaskIndex, deliveries);
        (_idleExchanges, _idleExchangePlan) = (exchanges, plan);
        // The noop sink (benchmarks) discards rows: do not ship them to a sink partition only to drop them there.
        if (output.Count > 0 && !task.Sink.DiscardsRows)
        {
            var bytes = ArrowIpc.SerializeMany(output, outputSchema!);
            deliveries[task.SinkKey] = 1;
            await GrainFactory.Reference<ISinkGrain>(task.SinkKey).StageAsync(task.Attempt, task.BatchId, task.TaskIndex, bytes, task.Sink);
        }
        // Not on failure: a batch left unreleased is collected with its arrays, where one released too early could be overwritten.
        foreach (var batch in read) BatchBuffers.Release(batch);
        computed?.ReleaseRented();
        return new SourceTaskResult(inputRows, outputRows)
        {
            Deliveries = deliveries,
            EventTime = eventTime.Stats.ToDictionary(s => s.Key, s => new EventTimeSummary(s.Value.MinMicros, s.Value.MaxMicros, s.Value.SumMicros, s.Value.Count)),
        };
    }

    /// <summary>
    /// A static leaf read whole at <paramref name="version"/>. The batches of the last version read are kept (per stage, as a
    /// self-join's stages may read different columns): while the relation is unchanged, the next epoch hands them on again
    /// instead of reading it again ("cached by its files' version"). Local rows live in the plan and are their own version.
    /// </summary>
    private async IAsyncEnumerable<RecordBatch> ReadStaticAsync(PhysicalPlan plan, Stage stage, string? version, EpochContext epoch)
    {
        if (!ReferenceEquals(plan, _staticPlan)) (_staticPlan, _staticBatches) = (plan, new());
        var pipeline = stage.Source!;
        if (pipeline.Leaf is LocalRelation local)
        {
            foreach (var batch in ArrowIpc.DeserializeMany(local.ArrowIpc)) yield return batch;
            yield break;
        }
        var connector = _plans.StaticSources[pipeline.LeafId];
        // A record written without the leaf's version (none is expected) reads the relation as it is now.
        version ??= await connector.VersionAsync(CancellationToken.None);
        // A batch subplan runs again in each epoch, with its timestamp (it keeps its relations' batches itself).
        if (connector is StaticPlanSource subplan)
        {
            await foreach (var batch in subplan.ReadAsync(version, epoch with { EventTime = null })) yield return batch;
            yield break;
        }
        if (_staticBatches.TryGetValue(stage.Id, out var cached) && cached.Version == version)
        {
            foreach (var batch in cached.Batches) yield return batch;
            yield break;
        }
        _staticBatches.Remove(stage.Id);
        var read = new List<RecordBatch>();
        await foreach (var batch in connector.ReadAsync(version, pipeline.ReadSchema, CancellationToken.None))
        {
            read.Add(batch);
            yield return batch;
        }
        // Kept only once the whole version was read: a read that failed midway leaves nothing half-cached.
        _staticBatches[stage.Id] = (version, read);
    }

    // A writer keeps its hash table's capacity from epoch to epoch, which spares regrowing it from empty each time. Only
    // writers whose epoch finished are kept: one that failed midway may still hold that epoch's rows.
    private ArrowBufferPool Pool => ArrowBufferPool.Of(ServiceProvider);

    private Dictionary<(int Stage, int InputIndex), IExchangeWriter> TakeExchanges(PhysicalPlan plan)
    {
        var writers = ReferenceEquals(plan, _idleExchangePlan) ? _idleExchanges : null;
        (_idleExchanges, _idleExchangePlan) = (null, null);
        return writers ?? new Dictionary<(int Stage, int InputIndex), IExchangeWriter>();
    }
}
