using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.Operators.Filter;
using OrleansStream.Engine.Operators.Generate;
using OrleansStream.Engine.Operators.Projection;
using OrleansStream.Engine.Operators.Watermark;
using OrleansStream.Engine.Types;

namespace OrleansStream.Engine.Planning;

/// <summary>
/// Plans a query (logical plan -> validation -> physical plan). Stateless nodes compile to projections, filters and
/// generators, appended to each leaf's pipeline until the first stateful node (aggregation, deduplication) and to that
/// operator's post-operators after it; withWatermark adds a watermark operator. Event-time columns are tracked through
/// the plan so that stateful operators know which key decides lateness and finality, and streaming queries are checked
/// against Spark's rules for output modes and watermarks.
/// </summary>
public static class QueryPlanner
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
        var context = new Context(sourceSchema);
        var flow = Build(root, context);
        if (flow.Upstream is { } last)
            foreach (var op in flow.Post) last.PostOperators.Add(op);
        var required = ColumnPruning.RequiredColumns(root, node => context.OutputSchemas[node]);
        var plan = new PhysicalPlan(flow.Schema, flow.Pipelines.Select(p => new SourcePipeline(p.LeafId, p.Leaf, p.InputSchema, p.Operators,
                p.Leaf is SourceRelation s && required.TryGetValue(s.SourceId, out var columns) ? columns : null)).ToList(),
            context.Stateful, context.Watermarks);
        if (outputMode is not null) StreamingRules.Check(plan, outputMode.ToLowerInvariant(), context.Kinds);
        return plan;
    }

    private sealed class Context(Func<SourceRelation, Schema> sourceSchema)
    {
        public Func<SourceRelation, Schema> SourceSchema { get; } = sourceSchema;
        /// <summary>Each node's output schema, for column pruning (by reference: equal subtrees may sit in different places).</summary>
        public Dictionary<LogicalPlan, Schema> OutputSchemas { get; } = new(ReferenceEqualityComparer.Instance);
        public int LocalCounter { get; set; }
        public List<StatefulOperatorSpec> Stateful { get; } = new();
        public List<WatermarkSpec> Watermarks { get; } = new();
        public List<LogicalPlan> Kinds { get; } = new();
    }

    private sealed record Partial(string LeafId, LogicalPlan Leaf, Schema InputSchema, List<IBatchOperator> Operators);

    /// <summary>Where rows are while planning: the leaf pipelines, or after a stateful operator (<see cref="Upstream"/>).</summary>
    private sealed record Flow(List<Partial> Pipelines, StatefulOperatorSpec? Upstream, List<IBatchOperator> Post, Schema Schema, Dictionary<string, long> EventTime)
    {
        public Flow Append(IBatchOperator op, Dictionary<string, long>? eventTime = null)
        {
            if (Upstream is null) foreach (var p in Pipelines) p.Operators.Add(op);
            else Post.Add(op);
            return this with { Schema = op.OutputSchema, EventTime = eventTime ?? EventTime };
        }
    }

    private static Flow Build(LogicalPlan node, Context ctx)
    {
        var flow = BuildNode(node, ctx);
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
                return new Flow([new Partial(s.SourceId, s, schema, [])], null, [], schema, new());
            }
            case LocalRelation l:
            {
                var schema = AnalyzerProjection.LocalSchema(l);
                return new Flow([new Partial($"local:{ctx.LocalCounter++}", l, schema, [])], null, [], schema, new());
            }
            case Project p:
            {
                var input = Build(p.Child, ctx);
                return input.Append(Projection(p, p.Exprs, input.Schema), ProjectEventTime(p.Exprs, input));
            }
            case Logical.Filter f:
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
            default:
                throw new NotSupportedException($"The planner cannot run {node.GetType().Name} nodes.");
        }
    }

    private static Flow BuildUnion(Union u, Context ctx)
    {
        var left = Build(u.Left, ctx);
        var right = Build(u.Right, ctx);
        if (left.Upstream is not null || right.Upstream is not null)
            throw new NotSupportedException("Union of the outputs of stateful operators (aggregations, dropDuplicates) is not supported; union the inputs instead.");
        var schema = AnalyzerProjection.UnionSchema(left.Schema, right.Schema);
        Align(left.Pipelines, left.Schema, schema);
        Align(right.Pipelines, right.Schema, schema);
        // Union's columns take the left side's names: an event-time column of either side keeps its mark under that name.
        var eventTime = new Dictionary<string, long>(left.EventTime);
        for (var i = 0; i < right.Schema.FieldsList.Count; i++)
            if (right.EventTime.TryGetValue(right.Schema.FieldsList[i].Name, out var delay)) eventTime.TryAdd(schema.FieldsList[i].Name, delay);
        return new Flow([.. left.Pipelines, .. right.Pipelines], null, [], schema, eventTime);
    }

    private static Flow BuildWatermark(EventTimeWatermark w, Context ctx)
    {
        var input = Build(w.Child, ctx);
        if (input.Upstream is not null)
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
        SingleEventTime(input, "aggregation");
        var binding = AggregateBinding.Bind(a, input.Schema);
        int? eventTimeKey = null;
        for (var i = 0; i < binding.Keys.Count && eventTimeKey is null; i++)
            if (IsEventTime(binding.Keys[i].Value, input)) eventTimeKey = i;
        int? column = eventTimeKey is { } k ? binding.StateColumnOf(k) + (binding.Keys[k].Kind == GroupingKind.Plain ? 0 : 1) : null;
        var spec = new AggregationOperatorSpec(ctx.Stateful.Count, input.Schema, binding, column);
        var eventTime = new Dictionary<string, long>();
        if (eventTimeKey is { } key)
        {
            var delay = input.EventTime.Values.First();
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
        var spec = new DeduplicationOperatorSpec(ctx.Stateful.Count, input.Schema, keys, eventTimeColumn, offset);
        return Chain(input, spec, d, ctx, null, input.EventTime);
    }

    // A stateful operator ends the current stage: the stateless operators before it run where its input is produced.
    private static Flow Chain(Flow input, StatefulOperatorSpec spec, LogicalPlan node, Context ctx, IReadOnlyList<Expr>? outputProjection, Dictionary<string, long> eventTime)
    {
        if (input.Upstream is { } upstream)
            foreach (var op in input.Post) upstream.PostOperators.Add(op);
        ctx.Stateful.Add(spec);
        ctx.Kinds.Add(node);
        var flow = new Flow(input.Pipelines, spec, [], spec.StateOutputSchema, eventTime);
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
        ColumnRef c => ColumnResolver.TryResolve(input.Schema, c.Name) is { FieldPath.Length: 0 } r && input.EventTime.ContainsKey(r.Field.Name),
        FunctionCall { Name: var n, Args: [var inner] } when n.Equals("window_time", StringComparison.OrdinalIgnoreCase) => IsEventTime(inner, input),
        Alias a => IsEventTime(a.Child, input),
        _ => false,
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

    private static void Align(List<Partial> pipes, Schema from, Schema to)
    {
        if (SameSchema(from, to)) return;
        var op = new SchemaAlignOperator(to);
        foreach (var p in pipes) p.Operators.Add(op);
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
