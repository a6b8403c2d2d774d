using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.Operators.Filter;
using OrleansStream.Engine.Operators.Generate;
using OrleansStream.Engine.Operators.Projection;
using OrleansStream.Engine.Operators.Watermark;
using OrleansStream.Engine.Planning.Physical;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Planning;

/// <summary>
/// Plans a query (logical plan -> validation -> physical stage graph). Each leaf starts a source stage; a stateful node
/// (aggregation, deduplication) starts a keyed stage fed by every stage that ends below it. Stateless nodes compile to
/// projections, filters and generators, appended to the pipeline of every stage that ends below them; withWatermark adds a
/// watermark operator. Event-time columns are tracked through the plan so that stateful operators know which key decides
/// lateness and finality, and streaming queries are checked against Spark's rules for output modes and watermarks.
/// </summary>
public static partial class QueryPlanner
{
    /// <summary>Plans <paramref name="root"/>; <paramref name="sourceSchema"/> gives each source's schema.</summary>
    /// <param name="root">The logical plan.</param>
    /// <param name="sourceSchema">Each source's schema.</param>
    /// <param name="outputMode">"append", "update" or "complete" for a streaming query (checked against its operators); null for a batch query.</param>
    /// <exception cref="AnalysisException">The plan does not resolve or cannot run in the output mode (the message says why).</exception>
    /// <exception cref="NotSupportedException">A node cannot run (the message names it).</exception>
    public static PhysicalPlan Plan(LogicalPlan root, Func<SourceRelation, Schema> sourceSchema, string? outputMode = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(sourceSchema);
        var context = new Context(sourceSchema) { ReferencedPlanIds = PlanReferences.PlanIds(root) };
        var flow = Build(root, context);
        // Qualifiers and plan ids served resolution inside the plan; the query's output is plain columns.
        if (ColumnQualifiers.Any(flow.Schema)) flow = flow.Append(new RelabelOperator(ColumnQualifiers.Strip(flow.Schema)));
        foreach (var tail in flow.Tails) tail.Outputs.Add((null, 0));
        var required = ColumnPruning.RequiredColumns(root, node => context.OutputSchemas[node]);
        var plan = new PhysicalPlan(flow.Schema, Stages(context, required), context.Watermarks);
        if (outputMode is not null)
        {
            StreamingRules.CheckLogical(root);
            StreamingRules.Check(plan, outputMode.ToLowerInvariant(), context.Kinds);
        }
        return plan;
    }

    // Keyed stages take ids 0..n-1 in the order they were met (their state's checkpoint location, unchanged from when the
    // plan was a list of stateful operators); source stages follow, left to right.
    private static List<Stage> Stages(Context ctx, Dictionary<string, HashSet<string>> required)
    {
        for (var i = 0; i < ctx.Keyed.Count; i++) ctx.Keyed[i].Id = i;
        for (var i = 0; i < ctx.Leaves.Count; i++) ctx.Leaves[i].Id = ctx.Keyed.Count + i;
        var stages = new List<Stage>(ctx.Keyed.Count + ctx.Leaves.Count);
        foreach (var keyed in ctx.Keyed)
            stages.Add(new Stage(keyed.Id, keyed.Inputs.Select(i => StageInput.FromStage(i.From.Id, i.InputIndex)).ToList(), keyed.Operator!,
                keyed.Operators, Outputs(keyed)));
        foreach (var leaf in ctx.Leaves)
            stages.Add(new Stage(leaf.Id, new SourcePipeline(leaf.LeafId!, leaf.Leaf!, leaf.InputSchema!, leaf.Operators,
                leaf.Leaf is SourceRelation s && required.TryGetValue(s.SourceId, out var columns) ? columns : null), Outputs(leaf)));
        return stages;
    }

    private static List<StageOutput> Outputs(Segment segment) =>
        segment.Outputs.Select(o => o.To is { } to ? StageOutput.ToStage(to.Id, o.InputIndex) : StageOutput.Sink).ToList();

    private sealed class Context(Func<SourceRelation, Schema> sourceSchema)
    {
        public Func<SourceRelation, Schema> SourceSchema { get; } = sourceSchema;
        /// <summary>Each node's output schema, for column pruning (by reference: equal subtrees may sit in different places).</summary>
        public Dictionary<LogicalPlan, Schema> OutputSchemas { get; } = new(ReferenceEqualityComparer.Instance);
        public int LocalCounter { get; set; }
        /// <summary>The plan ids that column references of the plan name (df.Col): only their subtrees mark their columns.</summary>
        public IReadOnlySet<long> ReferencedPlanIds { get; init; } = new HashSet<long>();
        /// <summary>The keyed stages in the order they were met (their ids).</summary>
        public List<Segment> Keyed { get; } = new();
        /// <summary>The source stages, left to right.</summary>
        public List<Segment> Leaves { get; } = new();
        public List<WatermarkSpec> Watermarks { get; } = new();
        /// <summary>The logical node of each keyed stage, by its id.</summary>
        public List<LogicalPlan> Kinds { get; } = new();
    }

    /// <summary>A stage while it is planned: a leaf's (source stage) or a stateful node's (keyed stage).</summary>
    private sealed class Segment
    {
        public string? LeafId { get; init; }
        public LogicalPlan? Leaf { get; init; }
        public Schema? InputSchema { get; init; }
        public KeyedOperatorSpec? Operator { get; init; }
        public List<(Segment From, int InputIndex)> Inputs { get; } = new();
        public List<IBatchOperator> Operators { get; } = new();
        /// <summary>Consumers (To null: the sink), with the consumer's input index.</summary>
        public List<(Segment? To, int InputIndex)> Outputs { get; } = new();
        public int Id { get; set; }
    }

    /// <summary>Where rows are while planning: the stages whose pipelines end here (<see cref="Tails"/>).</summary>
    private sealed record Flow(List<Segment> Tails, Schema Schema, Dictionary<string, long> EventTime)
    {
        /// <summary>Whether the rows passed a join, whose output may carry an event-time column of each side.</summary>
        public bool MultipleEventTimes { get; init; }

        /// <summary>Whether rows here have passed a stateful operator.</summary>
        public bool AfterState => Tails.Exists(t => t.Operator is not null);

        public Flow Append(IBatchOperator op, Dictionary<string, long>? eventTime = null)
        {
            foreach (var tail in Tails) tail.Operators.Add(op);
            return this with { Schema = op.OutputSchema, EventTime = eventTime ?? EventTime };
        }
    }

    private static Flow Build(LogicalPlan node, Context ctx)
    {
        var flow = BuildNode(node, ctx);
        // A DataFrame whose columns are referenced by df.Col marks its output: the reference resolves to these columns.
        if (node.PlanId is { } id && ctx.ReferencedPlanIds.Contains(id)) flow = flow with { Schema = ColumnQualifiers.WithPlanId(flow.Schema, id) };
        ctx.OutputSchemas[node] = flow.Schema;
        return flow;
    }

    private static Flow BuildNode(LogicalPlan node, Context ctx)
    {
        switch (node)
        {
            case SourceRelation s:
            {
                var schema = ctx.SourceSchema(s);
                return new Flow([Leaf(ctx, s.SourceId, s, schema)], schema, new());
            }
            case LocalRelation l:
            {
                var schema = AnalyzerProjection.LocalSchema(l);
                return new Flow([Leaf(ctx, $"local:{ctx.LocalCounter++}", l, schema)], schema, new());
            }
            case Project p:
            {
                var input = Build(p.Child, ctx);
                return input.Append(Projection(p, p.Exprs, input.Schema), ProjectEventTime(p.Exprs, input));
            }
            case Filter f:
            {
                var input = Build(f.Child, ctx);
                return input.Append(new FilterOperator(f.Condition, input.Schema));
            }
            case WithColumns w:
            {
                var input = Build(w.Child, ctx);
                var list = AnalyzerProjection.WithColumnsList(w, input.Schema);
                return input.Append(Projection(w, list, input.Schema), ProjectEventTime(list, input));
            }
            case RenameColumn r:
            {
                var input = Build(r.Child, ctx);
                var list = AnalyzerProjection.RenameList(r, input.Schema);
                return list is null ? input : input.Append(Projection(r, list, input.Schema), ProjectEventTime(list, input));
            }
            case DropColumns d:
            {
                var input = Build(d.Child, ctx);
                var list = AnalyzerProjection.DropList(d, input.Schema);
                return list is null ? input : input.Append(Projection(d, list, input.Schema), ProjectEventTime(list, input));
            }
            case Union u:
                return BuildUnion(u, ctx);
            case EventTimeWatermark w:
                return BuildWatermark(w, ctx);
            case Aggregate a:
                return BuildAggregate(a, ctx);
            case Deduplicate d:
                return BuildDeduplicate(d, ctx);
            case Join j:
                return BuildJoin(j, ctx);
            case TransformWithState t:
                return BuildTransformWithState(t, ctx);
            case FlatMapGroupsWithState f:
                return BuildFlatMapGroupsWithState(f, ctx);
            case SubqueryAlias a:
            {
                // Qualifies the columns for resolution above; the rows are untouched.
                var input = Build(a.Child, ctx);
                return input with { Schema = ColumnQualifiers.WithQualifier(input.Schema, a.Alias) };
            }
            default:
                throw new NotSupportedException($"The planner cannot run {node.GetType().Name} nodes.");
        }
    }

    private static Segment Leaf(Context ctx, string leafId, LogicalPlan leaf, Schema schema)
    {
        var segment = new Segment { LeafId = leafId, Leaf = leaf, InputSchema = schema };
        ctx.Leaves.Add(segment);
        return segment;
    }

    // A union is the stages of both sides ending in one place: after stateful operators too (each side's keyed stage hands
    // its rows on to whatever follows the union).
    private static Flow BuildUnion(Union u, Context ctx)
    {
        var left = Build(u.Left, ctx);
        var right = Build(u.Right, ctx);
        var schema = AnalyzerProjection.UnionSchema(left.Schema, right.Schema);
        Align(left.Tails, left.Schema, schema);
        Align(right.Tails, right.Schema, schema);
        // Union's columns take the left side's names: an event-time column of either side keeps its mark under that name.
        var eventTime = new Dictionary<string, long>(left.EventTime);
        for (var i = 0; i < right.Schema.FieldsList.Count; i++)
            if (right.EventTime.TryGetValue(right.Schema.FieldsList[i].Name, out var delay)) eventTime.TryAdd(schema.FieldsList[i].Name, delay);
        return new Flow([.. left.Tails, .. right.Tails], schema, eventTime);
    }

    private static Flow BuildWatermark(EventTimeWatermark w, Context ctx)
    {
        var input = Build(w.Child, ctx);
        if (input.AfterState)
            throw new NotSupportedException("withWatermark after an aggregation or dropDuplicates is not supported: define the watermark on the input.");
        var delayMicros = IntervalParser.ParseMicros(w.Delay, "watermark delay");
        if (delayMicros < 0)
            throw new AnalysisException($"Delay threshold ({w.Delay}) should not be negative.");
        var index = ColumnIndex(input.Schema, w.Column, "withWatermark");
        var field = input.Schema.FieldsList[index];
        if (field.DataType is not TimestampType)
            throw new AnalysisException($"Event time must be defined on a window or a timestamp, but {w.Column} is of type {DataTypes.ToDdl(field.DataType)}.");
        if (input.EventTime.ContainsKey(field.Name))
            throw new AnalysisException($"Redefining watermark is disallowed. A watermark is already defined on column '{field.Name}'.");
        var id = ctx.Watermarks.Count;
        ctx.Watermarks.Add(new WatermarkSpec(id, field.Name, delayMicros / 1000));
        var eventTime = new Dictionary<string, long>(input.EventTime) { [field.Name] = delayMicros };
        return input.Append(new WatermarkOperator(id, index, input.Schema), eventTime);
    }

    private static Flow BuildAggregate(Aggregate a, Context ctx)
    {
        var input = Build(a.Child, ctx);
        if (!input.MultipleEventTimes) SingleEventTime(input, "aggregation");
        var binding = AggregateBinding.Bind(a, input.Schema);
        int? eventTimeKey = null;
        for (var i = 0; i < binding.Keys.Count && eventTimeKey is null; i++)
            if (IsEventTime(binding.Keys[i].Value, input)) eventTimeKey = i;
        int? column = eventTimeKey is { } k ? binding.StateColumnOf(k) + (binding.Keys[k].Kind == GroupingKind.Plain ? 0 : 1) : null;
        var spec = new AggregationOperatorSpec(input.Schema, binding, column);
        var eventTime = new Dictionary<string, long>();
        if (eventTimeKey is { } key)
        {
            var delay = EventTimeDelay(binding.Keys[key].Value, input);
            for (var o = 0; o < binding.OutputExprs.Count; o++)
                if (binding.OutputExprs[o] is Alias { Child: ColumnRef r } al && r.Name == $"__k{key}") eventTime[al.Name] = delay;
        }
        return Chain(input, spec, a, ctx, binding.OutputExprs, eventTime);
    }

    private static Flow BuildDeduplicate(Deduplicate d, Context ctx)
    {
        var input = Build(d.Child, ctx);
        SingleEventTime(input, "dropDuplicates");
        var keys = d.Keys.Count == 0
            ? Enumerable.Range(0, input.Schema.FieldsList.Count).ToList()
            : d.Keys.Select(k => ColumnIndex(input.Schema, k, "dropDuplicates")).Distinct().ToList();
        var marked = input.EventTime.Keys.Select(n => ColumnResolver.IndexOf(input.Schema, n)).Where(i => i >= 0).ToList();
        int? eventTimeColumn;
        long offset = 0;
        if (d.WithinWatermark)
        {
            // Spark's UnsupportedOperationChecker: a batch DataFrame has no watermark to deduplicate within.
            if (!d.Child.Leaves().OfType<SourceRelation>().Any(s => s.IsStreaming))
                throw new AnalysisException("dropDuplicatesWithinWatermark is not supported with batch DataFrames/DataSets.");
            if (marked.Count == 0)
                throw new AnalysisException("dropDuplicatesWithinWatermark is not supported with streaming DataFrames/DataSets without watermark: call withWatermark first.");
            eventTimeColumn = marked[0];
            offset = input.EventTime.Values.First();
        }
        else
        {
            eventTimeColumn = marked.Where(keys.Contains).Select(i => (int?)i).FirstOrDefault();
        }
        var spec = new DeduplicationOperatorSpec(input.Schema, keys, eventTimeColumn, offset);
        return Chain(input, spec, d, ctx, null, input.EventTime);
    }

    private static Flow BuildTransformWithState(TransformWithState t, Context ctx)
    {
        var input = Build(t.Child, ctx);
        SingleEventTime(input, "transformWithState");
        if (t.Keys.Count == 0) throw new AnalysisException("transformWithState needs at least one grouping column.");
        var keys = t.Keys.Select(k => ColumnIndex(input.Schema, k, "transformWithState")).ToList();
        if (!Enum.TryParse<Client.TimeMode>(t.TimeMode, ignoreCase: true, out var timeMode))
            throw new AnalysisException($"Unknown time mode '{t.TimeMode}'. Accepted time modes are 'none', 'processingTime', 'eventTime'.");
        Schema output;
        try
        {
            output = DataTypes.ParseSchema(t.OutputSchemaDdl);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or NotSupportedException)
        {
            throw new AnalysisException($"The output schema of transformWithState does not parse: {e.Message}");
        }
        // Late input is dropped by the watermark, as Spark's watermark predicate for late events does in event-time mode.
        int? eventTimeColumn = timeMode == Client.TimeMode.EventTime
            ? input.EventTime.Keys.Select(n => ColumnResolver.IndexOf(input.Schema, n)).Where(i => i >= 0).Select(i => (int?)i).FirstOrDefault()
            : null;
        if (t.InitialState is null)
        {
            var spec = new TransformWithStateOperatorSpec(input.Schema, keys, output, t.ProcessorType, timeMode, eventTimeColumn);
            // The processor's rows carry no event-time mark: Spark asks for a new withWatermark after transformWithState.
            return Chain(input, spec, t, ctx, null, new Dictionary<string, long>());
        }
        var initial = Build(t.InitialState, ctx);
        var initialKeys = (t.InitialStateKeys ?? []).Select(k => ColumnIndex(initial.Schema, k, "transformWithState's initial state")).ToList();
        // Spark types the initial state's grouping key as the input's (KeyValueGroupedDataset[K, _]): here it is checked.
        if (initialKeys.Count != keys.Count || keys.Zip(initialKeys).Any(p => !DataTypes.SameType(input.Schema.FieldsList[p.First].DataType, initial.Schema.FieldsList[p.Second].DataType)))
            throw new AnalysisException("The initial state of transformWithState must be grouped by columns of the same types as the input's grouping key: "
                + $"input ({string.Join(", ", keys.Select(k => $"{input.Schema.FieldsList[k].Name} {DataTypes.ToDdl(input.Schema.FieldsList[k].DataType)}"))}), "
                + $"initial state ({string.Join(", ", initialKeys.Select(k => $"{initial.Schema.FieldsList[k].Name} {DataTypes.ToDdl(initial.Schema.FieldsList[k].DataType)}"))}).");
        var withInitial = new TransformWithStateOperatorSpec(input.Schema, keys, output, t.ProcessorType, timeMode, eventTimeColumn, initial.Schema, initialKeys);
        var flow = Chain(input, withInitial, t, ctx, null, new Dictionary<string, long>());
        var keyed = flow.Tails[0];
        foreach (var tail in initial.Tails)
        {
            tail.Outputs.Add((keyed, 1));
            keyed.Inputs.Add((tail, 1));
        }
        return flow;
    }

    // A stateful operator starts a keyed stage fed by every stage ending here: the stateless operators before it run where
    // its input is produced.
    private static Flow Chain(Flow input, KeyedOperatorSpec spec, LogicalPlan node, Context ctx, IReadOnlyList<Expr>? outputProjection, Dictionary<string, long> eventTime)
    {
        var keyed = new Segment { Operator = spec };
        foreach (var tail in input.Tails)
        {
            tail.Outputs.Add((keyed, 0));
            keyed.Inputs.Add((tail, 0));
        }
        ctx.Keyed.Add(keyed);
        ctx.Kinds.Add(node);
        var flow = new Flow([keyed], spec.StateOutputSchema, eventTime);
        return outputProjection is null ? flow : flow.Append(new ProjectOperator(outputProjection, spec.StateOutputSchema), eventTime);
    }

    private static void SingleEventTime(Flow input, string what)
    {
        if (input.EventTime.Count > 1)
            throw new AnalysisException(
                $"More than one event time columns are available for {what}: {string.Join(", ", input.EventTime.Keys.Order(StringComparer.Ordinal))}. Please ensure there is at most one event time column per stream.");
    }

    private static bool IsEventTime(Expr e, Flow input) => e switch
    {
        ColumnRef c => ColumnResolver.TryResolve(input.Schema, c) is { FieldPath.Length: 0 } r && input.EventTime.ContainsKey(r.Field.Name),
        FunctionCall { Name: var n, Args: [var inner] } when n.Equals("window_time", StringComparison.OrdinalIgnoreCase) => IsEventTime(inner, input),
        // window(eventTime, ...) in a select: the window column carries the watermark on (Spark's TimeWindow keeps the
        // event-time metadata), so joins on equal windows evict by it.
        FunctionCall { Name: var n, Args: [var inner, ..] } when n.Equals("window", StringComparison.OrdinalIgnoreCase) => IsEventTime(inner, input),
        Alias a => IsEventTime(a.Child, input),
        _ => false,
    };

    // The delay of the event-time column an expression reads (after a join, each side's column has its own).
    private static long EventTimeDelay(Expr e, Flow input) => e switch
    {
        ColumnRef c when ColumnResolver.TryResolve(input.Schema, c) is { FieldPath.Length: 0 } r && input.EventTime.TryGetValue(r.Field.Name, out var d) => d,
        FunctionCall { Args: [var inner, ..] } => EventTimeDelay(inner, input),
        Alias a => EventTimeDelay(a.Child, input),
        _ => input.EventTime.Values.First(),
    };

    private static Dictionary<string, long> ProjectEventTime(IReadOnlyList<Expr> exprs, Flow input)
    {
        if (input.EventTime.Count == 0) return input.EventTime;
        var result = new Dictionary<string, long>();
        foreach (var e in AnalyzerProjection.ExpandStars(exprs, input.Schema))
        {
            if (IsEventTime(e, input)) result[ExpressionTyper.NameOf(e)] = input.EventTime.Values.First();
        }
        return result;
    }

    private static int ColumnIndex(Schema schema, string name, string what)
    {
        var index = ColumnResolver.IndexOf(schema, name);
        return index >= 0 ? index : throw new AnalysisException(
            $"[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter with name `{name}` cannot be resolved in {what}. Did you mean one of the following? [{string.Join(", ", schema.FieldsList.Select(f => "`" + f.Name + "`"))}].");
    }

    private static IBatchOperator Projection(LogicalPlan node, IReadOnlyList<Expr> exprs, Schema input)
    {
        var aggregate = exprs.FirstOrDefault(AnalyzerProjection.ContainsAggregate);
        if (aggregate is not null)
            throw new NotSupportedException(
                $"{node.GetType().Name} cannot compute the aggregate expression \"{ExpressionTyper.ToSql(aggregate)}\" outside an aggregation; use groupBy(...).agg(...).");
        var items = AnalyzerProjection.Bind(exprs, input);
        return items.Any(i => i.IsGenerator) ? new GenerateOperator(exprs, input) : new ProjectOperator(exprs, input);
    }

    private static void Align(List<Segment> tails, Schema from, Schema to)
    {
        if (SameSchema(from, to)) return;
        var op = new SchemaAlignOperator(to);
        foreach (var tail in tails) tail.Operators.Add(op);
    }

    private static bool SameSchema(Schema a, Schema b)
    {
        if (a.FieldsList.Count != b.FieldsList.Count) return false;
        for (var i = 0; i < a.FieldsList.Count; i++)
        {
            var x = a.FieldsList[i];
            var y = b.FieldsList[i];
            if (x.Name != y.Name || x.IsNullable != y.IsNullable || !DataTypes.SameType(x.DataType, y.DataType)
                || x.DataType.TypeId != y.DataType.TypeId) return false;
        }
        return true;
    }
}
