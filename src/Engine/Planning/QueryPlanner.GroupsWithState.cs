using Apache.Arrow;
using OrleansStream.Client;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Planning.Physical;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Planning;

public static partial class QueryPlanner
{
    private static Flow BuildFlatMapGroupsWithState(FlatMapGroupsWithState f, Context ctx)
    {
        var name = f.OperationName;
        var input = Build(f.Child, ctx);
        SingleEventTime(input, name);
        if (f.Keys.Count == 0) throw new AnalysisException($"{name} needs at least one grouping column.");
        var keys = f.Keys.Select(k => ColumnIndex(input.Schema, k, name)).ToList();
        if (!Enum.TryParse<GroupStateTimeout>(f.Timeout, ignoreCase: true, out var timeout))
            throw new AnalysisException($"Unknown timeout '{f.Timeout}'. Accepted timeouts are 'NoTimeout', 'ProcessingTimeTimeout', 'EventTimeTimeout'.");
        if (f.OutputMode is not ("append" or "update"))
            throw new AnalysisException("The output mode of function should be append or update");
        Schema output;
        try
        {
            output = DataTypes.ParseSchema(f.OutputSchemaDdl);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or NotSupportedException)
        {
            throw new AnalysisException($"The output schema of {name} does not parse: {e.Message}");
        }
        var watermarked = input.EventTime.Keys.Select(n => ColumnResolver.IndexOf(input.Schema, n)).Where(i => i >= 0).ToList();
        // Spark's UnsupportedOperationChecker (a batch query's timeout simply never fires).
        if (timeout == GroupStateTimeout.EventTimeTimeout && watermarked.Count == 0 && f.Child.Leaves().OfType<SourceRelation>().Any(s => s.IsStreaming))
            throw new AnalysisException("Watermark must be specified in the query using '[Dataset/DataFrame].withWatermark()' for using event-time timeout in a [map|flatMap]GroupsWithState. Event-time timeout not supported without watermark.");
        // Spark drops late rows only with an event-time timeout.
        int? eventTimeColumn = timeout == GroupStateTimeout.EventTimeTimeout && watermarked.Count > 0 ? watermarked[0] : null;
        var spec = new FlatMapGroupsWithStateOperatorSpec(input.Schema, keys, output, f.FunctionType, timeout, watermarked.Count > 0, eventTimeColumn);
        // The function's rows carry no event-time mark: Spark asks for a new withWatermark after it.
        return Chain(input, spec, f, ctx, null, new Dictionary<string, long>());
    }
}
