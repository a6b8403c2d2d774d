using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.Planning.Physical;

namespace OrleansStream.Engine.Execution;

/// <summary>
/// Runs a physical plan over bounded input in one process (a batch query), walking the same stage graph a streaming query
/// runs: each source stage over its leaf's batches, then every keyed stage once, upstream before downstream, over all of
/// its input, as if the whole table arrived in one epoch. Aggregations release every group (Complete), deduplication keeps
/// the first row of each key.
/// </summary>
public static class BatchExecutor
{
    /// <summary>The result of <paramref name="plan"/>; <paramref name="read"/> yields each source stage's input batches;
    /// <paramref name="services"/> create the operators that run user code (transformWithState's processor).</summary>
    public static RecordBatch Run(PhysicalPlan plan, Func<SourcePipeline, IEnumerable<RecordBatch>> read, EpochContext context, IServiceProvider? services = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(read);
        // One exchange writer per keyed input: every producer of that input adds to it, as every producer stages at one
        // partition (a batch query has one).
        var exchanges = new IExchangeWriter?[plan.KeyedStages.Count][];
        foreach (var stage in plan.KeyedStages)
            exchanges[stage.Id] = new IExchangeWriter?[stage.Operator!.InputSchemas.Count];
        var output = new List<RecordBatch>();
        foreach (var stage in plan.SourceStages)
            foreach (var input in read(stage.Source!))
                HandOn(plan, stage, stage.Source!.Run(input, context), exchanges, output, context);

        var stateless = new StatefulContext(context.BatchId, null, null) { BatchTimestampMicros = context.BatchTimestampMicros };
        foreach (var stage in plan.KeyedStages)
        {
            var staged = new List<KeyedInput>();
            for (var i = 0; i < exchanges[stage.Id].Length; i++)
                if (exchanges[stage.Id][i]?.Finish() is { } batch) staged.Add(new KeyedInput(i, batch));
            var op = stage.Operator!.CreateOperator("complete", services);
            var result = op.Process(staged, stateless);
            (op as IDisposable)?.Dispose();
            HandOn(plan, stage, stage.RunPipeline(result, context), exchanges, output, context);
        }
        // A chain's last keyed stage produces the one result batch; sources of a stateless plan produce many.
        return plan.IsStateful && output.Count == 1 ? output[0] : ArrowValues.Concat(plan.OutputSchema, output);
    }

    private static void HandOn(PhysicalPlan plan, Stage stage, RecordBatch rows, IExchangeWriter?[][] exchanges, List<RecordBatch> output, EpochContext context)
    {
        foreach (var to in stage.Outputs)
        {
            if (to.StageId is not { } target)
            {
                output.Add(rows);
                continue;
            }
            var writer = exchanges[target][to.InputIndex] ??= plan.Stages[target].Operator!.CreateExchangeWriter(to.InputIndex);
            writer.Add(rows, context);
        }
    }
}
