using Apache.Arrow;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Planning;
using OrleansStream.Engine.Planning.Physical;
using OrleansStream.Engine.Types;
using OrleansStream.Grains.Hosting;
using OrleansStream.Grains.Sources;
using OrleansStream.Interfaces.Execution;
using OrleansStream.Interfaces.Queries;

namespace OrleansStream.Grains.Execution;

/// <summary>A query spec parsed, analysed and validated: its plan, its streaming sources and its sink.</summary>
internal sealed class CompiledQuery
{
    private static readonly HashSet<string> SinkFormats = new(StringComparer.OrdinalIgnoreCase)
        { "memory", "console", "json", "csv", "parquet", "text", "foreachBatch", "noop" };

    private CompiledQuery(LogicalPlan plan, PhysicalPlan physical, IReadOnlyList<(SourceRelation Relation, ISourceConnector Connector)> sources, Schema outputSchema, SinkSpec sink)
    {
        Plan = plan;
        Physical = physical;
        Sources = sources;
        OutputSchema = outputSchema;
        Sink = sink;
    }

    public LogicalPlan Plan { get; }
    /// <summary>The physical plan (stateful operators, watermarks).</summary>
    public PhysicalPlan Physical { get; }
    public IReadOnlyList<(SourceRelation Relation, ISourceConnector Connector)> Sources { get; }
    public Schema OutputSchema { get; }
    public SinkSpec Sink { get; }
    public bool IsFileSink => SourceConnectorFactory.FileFormats.Contains(Sink.Format);

    /// <summary>Everything a query needs before it may start; throws with the reason when it cannot run.</summary>
    public static CompiledQuery Compile(QuerySpec spec, SourceConnectorFactory connectors, PathResolver paths)
    {
        var plan = PlanSerializer.Deserialize(spec.PlanJson);
        var relations = plan.Leaves().OfType<SourceRelation>().Where(s => s.IsStreaming).ToList();
        if (relations.Count == 0)
            throw new InvalidOperationException("'writeStream' can be called only on streaming Dataset/DataFrame.");
        // Trigger.Once takes everything available in its one epoch, whatever the read limits say (Spark, SPARK-30669).
        var ignoreReadLimits = spec.Trigger.Kind == TriggerKind.Once;
        var sources = relations.Select(r => (r, connectors.Create(r, ignoreReadLimits))).ToList();
        var byId = sources.ToDictionary(s => s.r.SourceId, s => s.Item2.Schema);
        ValidateSink(spec);
        foreach (var relation in plan.Leaves().OfType<SourceRelation>().Where(r => r.Options.ContainsKey("path")))
            paths.CheckFileRoot(relation.Options["path"], "path");
        if (SourceConnectorFactory.FileFormats.Contains(spec.SinkFormat)) paths.CheckFileRoot(spec.Options["path"], "path");
        var physical = QueryPlanner.Plan(plan, r => byId.TryGetValue(r.SourceId, out var s) ? s : throw new NotSupportedException(
            $"Source '{r.Format}' is a batch source; joining streams with static data is not supported yet."), spec.OutputMode);
        var schema = physical.OutputSchema;
        if (spec.Options.TryGetValue("multipleWatermarkPolicy", out var policy) && !policy.Equals("min", StringComparison.OrdinalIgnoreCase) && !policy.Equals("max", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"Option 'multipleWatermarkPolicy' must be 'min' or 'max', not '{policy}'.");
        if (physical.IsStateful && spec.Options.TryGetValue("numStatePartitions", out var n) && (!int.TryParse(n, out var partitions) || partitions is < 1 or > 4096))
            throw new ArgumentException($"Option 'numStatePartitions' must be an integer from 1 to 4096, not '{n}'.");
        var sink = new SinkSpec
        {
            Format = spec.SinkFormat,
            OutputMode = spec.OutputMode.ToLowerInvariant(),
            Options = spec.Options,
            QueryName = spec.QueryName,
            OutputSchemaDdl = DataTypes.ToDdl(schema),
        };
        return new CompiledQuery(plan, physical, sources, schema, sink);
    }

    private static void ValidateSink(QuerySpec spec)
    {
        if (!SinkFormats.Contains(spec.SinkFormat))
            throw new NotSupportedException($"Data source '{spec.SinkFormat}' does not support streamed writing. Supported: {string.Join(", ", SinkFormats.Order())}.");
        var mode = spec.OutputMode.ToLowerInvariant();
        if (mode is not ("append" or "update" or "complete"))
            throw new ArgumentException($"Unknown output mode '{spec.OutputMode}'. Accepted output modes are 'append', 'complete', 'update'.");
        if (SourceConnectorFactory.FileFormats.Contains(spec.SinkFormat))
        {
            if (mode != "append") throw new InvalidOperationException($"Data source {spec.SinkFormat} does not support {mode} output mode.");
            if (!spec.Options.TryGetValue("path", out var path) || string.IsNullOrWhiteSpace(path))
                throw new ArgumentException("'path' is not specified: the file sink needs option 'path'.");
        }
        if (spec.SinkFormat.Equals("memory", StringComparison.OrdinalIgnoreCase) && string.IsNullOrWhiteSpace(spec.QueryName))
            throw new ArgumentException("queryName must be specified for memory sink.");
    }
}
