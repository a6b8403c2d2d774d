using Apache.Arrow;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Planning;
using OrleansStream.Engine.Planning.Physical;
using OrleansStream.Plan.Types;
using OrleansStream.Engine.Connectors;
using OrleansStream.Grains.Connectors;
using OrleansStream.Grains.Hosting;
using OrleansStream.Interfaces.Execution;
using OrleansStream.Interfaces.Queries;

namespace OrleansStream.Grains.Execution;

/// <summary>A query spec parsed, analysed and validated: its plan, its streaming sources and its sink.</summary>
internal sealed class CompiledQuery
{
    private CompiledQuery(string planJson, LogicalPlan plan, PhysicalPlan physical, IReadOnlyList<(SourceRelation Relation, IStreamSource Connector)> sources,
        IReadOnlyList<(SourceRelation Relation, IStaticSource Connector)> staticSources, Schema outputSchema, SinkSpec sink, IStreamSink sinkConnector)
    {
        SinkConnector = sinkConnector;
        PlanJson = planJson;
        StaticSources = staticSources;
        Plan = plan;
        Physical = physical;
        Sources = sources;
        OutputSchema = outputSchema;
        Sink = sink;
    }

    /// <summary>The plan every grain of a run plans from: the query's, its batch relations pinned (<see cref="StaticLeaves"/>).</summary>
    public string PlanJson { get; }
    public LogicalPlan Plan { get; }
    /// <summary>The physical plan (stateful operators, watermarks).</summary>
    public PhysicalPlan Physical { get; }
    public IReadOnlyList<(SourceRelation Relation, IStreamSource Connector)> Sources { get; }
    /// <summary>The batch relations the query reads (static sides of stream-static joins), re-read by every epoch at its recorded version.</summary>
    public IReadOnlyList<(SourceRelation Relation, IStaticSource Connector)> StaticSources { get; }
    public Schema OutputSchema { get; }
    public SinkSpec Sink { get; }
    /// <summary>The sink connector (the trigger's copy: epoch commits, run start).</summary>
    public IStreamSink SinkConnector { get; }
    /// <summary>True when every producer writes to a sink partition of its own (file sinks), rather than all to partition 0.</summary>
    public bool WritesPerProducer => SinkConnector.Partitioning == SinkPartitioning.PerProducer;

    /// <summary>Everything a query needs before it may start; throws with the reason when it cannot run.</summary>
    /// <param name="spec">The query.</param>
    /// <param name="connectors">The silo's connectors.</param>
    /// <param name="paths">The silo's paths.</param>
    /// <param name="queryKey">The query's checkpoint key when the compiled query plans epochs (the trigger's), else null.</param>
    /// <param name="cancellationToken">Cancels opening the query's batch relations.</param>
    public static async Task<CompiledQuery> CompileAsync(QuerySpec spec, ConnectorFactory connectors, PathResolver paths, string? queryKey = null,
        CancellationToken cancellationToken = default)
    {
        var planJson = await StaticLeaves.PinAsync(spec.PlanJson, connectors, cancellationToken);
        var plan = PlanSerializer.Deserialize(planJson);
        // A source read twice (a self-union) is one source: planned, read and reported once; each of its stages reads it.
        var relations = plan.Leaves().OfType<SourceRelation>().Where(s => s.IsStreaming).DistinctBy(s => s.SourceId).ToList();
        if (relations.Count == 0)
            throw new InvalidOperationException("'writeStream' can be called only on streaming Dataset/DataFrame.");
        // Trigger.Once takes everything available in its one epoch, whatever the read limits say (Spark, SPARK-30669).
        var ignoreReadLimits = spec.Trigger.Kind == TriggerKind.Once;
        var sources = relations.Select(r => (r, connectors.Create(r, ignoreReadLimits, queryKey))).ToList();
        var byId = sources.ToDictionary(s => s.r.SourceId, s => s.Item2.Schema);
        ValidateSink(spec, connectors);
        // On the query's own plan: a static subplan's relations sit inside its leaf's options in the pinned one.
        foreach (var relation in PlanSerializer.Deserialize(spec.PlanJson).Leaves().OfType<SourceRelation>().Where(r => r.Options.ContainsKey("path")))
            paths.CheckFileRoot(relation.Options["path"], "path");
        // Batch relations read every epoch with the schema pinned at start.
        var physical = QueryPlanner.Plan(plan, r => byId.TryGetValue(r.SourceId, out var s) ? s : DataTypes.ParseSchema(r.SchemaDdl!), spec.OutputMode);
        var staticSources = plan.Leaves().OfType<SourceRelation>().Where(s => !s.IsStreaming).DistinctBy(s => s.SourceId)
            .Select(r => (r, connectors.OpenStatic(r))).ToList();
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
        var sinkConnector = connectors.CreateSink(sink);
        return new CompiledQuery(planJson, plan, physical, sources, staticSources, schema, sink with { DiscardsRows = sinkConnector.DiscardsRows }, sinkConnector);
    }

    // Before planning, with what the spec alone says (the rows' schema is not known yet): the format, the output mode and
    // what the sink's connector requires of its options.
    private static void ValidateSink(QuerySpec spec, ConnectorFactory connectors)
    {
        _ = connectors.Registry.Sink(spec.SinkFormat);
        var mode = spec.OutputMode.ToLowerInvariant();
        if (mode is not ("append" or "update" or "complete"))
            throw new ArgumentException($"Unknown output mode '{spec.OutputMode}'. Accepted output modes are 'append', 'complete', 'update'.");
        connectors.ValidateSink(new SinkDescriptor(spec.SinkFormat, mode, spec.Options, spec.QueryName, new Schema.Builder().Build()));
    }
}
