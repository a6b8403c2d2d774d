using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.Planning;
using OrleansStream.Engine.Connectors;
using OrleansStream.Grains.Connectors;
using OrleansStream.Grains.State;
using OrleansStream.Interfaces.Execution;

namespace OrleansStream.Grains.Execution;

/// <summary>
/// Reads one source partition's share of an epoch and runs the stateless stage over it column-wise. A stateless query's
/// rows are staged at the sink partition; a stateful query's rows are partially aggregated and routed by key group to the
/// first stateful operator's partitions. Holds nothing durable: a re-run reads the same offsets again.
/// </summary>
internal sealed class SourceTaskGrain(ConnectorFactory connectors) : Grain, ISourceTaskGrain
{
    private readonly PlanCache _plans = new(connectors);
    private IExchangeWriter? _idleExchange;
    private PhysicalPlan? _idleExchangePlan;

    public async Task<SourceTaskResult> RunAsync(SourceTask task)
    {
        var (plan, sources) = _plans.Get(task.PlanJson);
        var pipeline = plan.Pipelines.Single(p => p.LeafId == task.SourceId);
        var input = sources[task.SourceId].ReadAsync(task.StartOffset, task.EndOffset, new SourcePartition(task.Partition, task.NumPartitions), pipeline.ReadSchema, CancellationToken.None);
        var eventTime = new EventTimeCollector();
        var context = new EpochContext(task.BatchId, task.BatchTimestampMicros) { EventTime = eventTime };
        var exchange = plan.IsStateful ? TakeExchange(plan) : null;
        long inputRows = 0, outputRows = 0;
        var output = new List<RecordBatch>();
        var deliveries = new Dictionary<string, int>(StringComparer.Ordinal);
        await foreach (var batch in input)
        {
            inputRows += batch.Length;
            var result = pipeline.Run(batch, context);
            if (result.Length == 0) continue;
            outputRows += result.Length;
            if (exchange is null) output.Add(result);
            else exchange.Add(result, context);
        }
        if (exchange is not null)
        {
            await Exchange.RouteAsync(GrainFactory, exchange, task.QueryKey, 0, task.StatePartitions, task.NumKeyGroups, task.Attempt, task.BatchId, task.TaskIndex, deliveries);
            (_idleExchange, _idleExchangePlan) = (exchange, plan);
        }
        // The noop sink (benchmarks) discards rows: do not ship them to a sink partition only to drop them there.
        else if (output.Count > 0 && !task.Sink.DiscardsRows)
        {
            var bytes = ArrowIpc.SerializeMany(output, pipeline.OutputSchema);
            deliveries[task.SinkKey] = 1;
            await GrainFactory.GetGrain<ISinkGrain>(task.SinkKey).StageAsync(task.Attempt, task.BatchId, task.TaskIndex, bytes, task.Sink);
        }
        return new SourceTaskResult(inputRows, outputRows)
        {
            Deliveries = deliveries,
            EventTime = eventTime.Stats.ToDictionary(s => s.Key, s => new EventTimeSummary(s.Value.MinMicros, s.Value.MaxMicros, s.Value.SumMicros, s.Value.Count)),
        };
    }

    // A writer keeps its hash table's capacity from epoch to epoch, which spares regrowing it from empty each time. Only a
    // writer whose epoch finished is kept: one that failed midway may still hold that epoch's rows.
    private IExchangeWriter TakeExchange(PhysicalPlan plan)
    {
        var writer = ReferenceEquals(plan, _idleExchangePlan) ? _idleExchange : null;
        (_idleExchange, _idleExchangePlan) = (null, null);
        return writer ?? plan.StatefulOperators[0].CreateExchangeWriter();
    }
}
