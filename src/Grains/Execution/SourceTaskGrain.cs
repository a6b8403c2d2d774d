using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Planning;
using OrleansStream.Grains.Sources;
using OrleansStream.Interfaces.Execution;

namespace OrleansStream.Grains.Execution;

/// <summary>
/// Reads one source partition's share of an epoch, runs the stateless stage over it column-wise, and stages the
/// result at the sink partition. Holds nothing durable: a re-run reads the same offsets again.
/// </summary>
internal sealed class SourceTaskGrain(SourceConnectorFactory connectors) : Grain, ISourceTaskGrain
{
    private string? _planJson;
    private PhysicalPlan? _plan;
    private Dictionary<string, ISourceConnector>? _connectors;

    public async Task<SourceTaskResult> RunAsync(SourceTask task)
    {
        var (plan, connector) = Compile(task);
        var pipeline = plan.Pipelines.Single(p => p.LeafId == task.SourceId);
        var input = await connector.ReadAsync(task.StartOffset, task.EndOffset, task.Partition, CancellationToken.None);
        var context = new EpochContext(task.BatchId, task.BatchTimestampMicros);
        long inputRows = 0, outputRows = 0;
        var output = new List<RecordBatch>(input.Count);
        foreach (var batch in input)
        {
            inputRows += batch.Length;
            var result = pipeline.Run(batch, context);
            if (result.Length == 0) continue;
            outputRows += result.Length;
            output.Add(result);
        }
        // The noop sink (benchmarks) discards rows: do not ship them to a sink partition only to drop them there.
        if (output.Count > 0 && !task.Sink.Format.Equals("noop", StringComparison.OrdinalIgnoreCase))
        {
            var bytes = ArrowIpc.SerializeMany(output, pipeline.OutputSchema);
            await GrainFactory.GetGrain<ISinkGrain>(task.SinkKey).StageAsync(task.Attempt, task.BatchId, task.TaskIndex, bytes, task.Sink);
        }
        return new SourceTaskResult(inputRows, outputRows);
    }

    // The plan is the same for every epoch of a run: compile it once per plan text.
    private (PhysicalPlan Plan, ISourceConnector Connector) Compile(SourceTask task)
    {
        if (_planJson != task.PlanJson)
        {
            var logical = PlanSerializer.Deserialize(task.PlanJson);
            var sources = logical.Leaves().OfType<SourceRelation>().Where(s => s.IsStreaming)
                .ToDictionary(s => s.SourceId, connectors.Create);
            _plan = StatelessPlanner.Plan(logical, r => sources[r.SourceId].Schema);
            _connectors = sources;
            _planJson = task.PlanJson;
        }
        return (_plan!, _connectors![task.SourceId]);
    }
}
