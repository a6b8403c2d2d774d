using Apache.Arrow;
using OrleansStream.Engine.Operators.Aggregation;
using OrleansStream.Engine.State;

namespace OrleansStream.Engine.Tests.Aggregation;

/// <summary>Runs aggregations through the source-side and state-side building blocks the way the operators chain them.</summary>
internal static class AggregationTestData
{
    /// <summary>Aggregates (function, argument column or null) grouped by <paramref name="keyColumns"/> of <paramref name="input"/>.</summary>
    public static (Schema KeySchema, List<AggregateSpec> Specs) PlanAggregates(RecordBatch input, int[] keyColumns, (string Function, int? Column)[] aggregates)
    {
        var keySchema = new Schema(keyColumns.Select(i => input.Schema.FieldsList[i]), null);
        var specs = aggregates.Select(a => new AggregateSpec(a.Function, a.Column is { } c ? input.Schema.FieldsList[c].DataType : null)).ToList();
        return (keySchema, specs);
    }

    /// <summary>The partial rows of <paramref name="input"/> (source side).</summary>
    public static RecordBatch Partial(RecordBatch input, int[] keyColumns, (string Function, int? Column)[] aggregates, PartialAggregator? aggregator = null)
    {
        var (keySchema, specs) = PlanAggregates(input, keyColumns, aggregates);
        aggregator ??= new PartialAggregator(keySchema, specs);
        aggregator.Add(keyColumns.Select(input.Column).ToList(), Inputs(input, aggregates), input.Length);
        return aggregator.Finish();
    }

    public static IReadOnlyList<IArrowArray?> Inputs(RecordBatch input, (string Function, int? Column)[] aggregates) =>
        aggregates.Select(a => a.Column is { } c ? input.Column(c) : null).ToList();

    /// <summary>Partial-aggregates each part, merges the partials into one state in order and returns the results in
    /// slot (first-seen) order.</summary>
    public static RecordBatch Aggregate(IReadOnlyList<RecordBatch> parts, int[] keyColumns, params (string Function, int? Column)[] aggregates)
    {
        var (keySchema, specs) = PlanAggregates(parts[0], keyColumns, aggregates);
        var state = new AggregationState(keySchema, specs);
        foreach (var part in parts) state.Merge(Partial(part, keyColumns, aggregates), []);
        return AllResults(state);
    }

    public static RecordBatch Aggregate(RecordBatch input, int[] keyColumns, params (string Function, int? Column)[] aggregates) =>
        Aggregate([input], keyColumns, aggregates);

    public static RecordBatch AllResults(AggregationState state)
    {
        var slots = new List<int>();
        state.LiveSlots(slots);
        return state.Results(slots.ToArray());
    }
}
