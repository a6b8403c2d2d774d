using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.Planning;

namespace OrleansStream.Engine.Execution;

/// <summary>
/// Runs a physical plan over bounded input in one process (a batch query): each leaf's batches through its pipeline, then
/// every stateful operator once over all of its input, as if the whole table arrived in one epoch. Aggregations release
/// every group (Complete), deduplication keeps the first row of each key.
/// </summary>
public static class BatchExecutor
{
    /// <summary>The result of <paramref name="plan"/>; <paramref name="read"/> yields each pipeline's input batches.</summary>
    public static RecordBatch Run(PhysicalPlan plan, Func<SourcePipeline, IEnumerable<RecordBatch>> read, EpochContext context)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(read);
        var exchange = plan.IsStateful ? plan.StatefulOperators[0].CreateExchangeWriter() : null;
        var output = new List<RecordBatch>();
        foreach (var pipeline in plan.Pipelines)
            foreach (var input in read(pipeline))
            {
                var rows = pipeline.Run(input, context);
                if (exchange is null) output.Add(rows);
                else exchange.Add(rows, context);
            }
        if (exchange is null) return ArrowValues.Concat(plan.OutputSchema, output);

        var stateless = new StatefulContext(context.BatchId, null, null);
        for (var k = 0; k < plan.StatefulOperators.Count; k++)
        {
            var spec = plan.StatefulOperators[k];
            var staged = exchange!.Finish();
            var result = spec.CreateOperator("complete").Process(staged is null ? [] : [staged], stateless);
            var rows = spec.RunPost(result, context);
            if (k == plan.StatefulOperators.Count - 1) return rows;
            exchange = plan.StatefulOperators[k + 1].CreateExchangeWriter();
            exchange.Add(rows, context);
        }
        throw new InvalidOperationException("unreachable");
    }
}
