using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Operators.Aggregation;
using OrleansStream.Engine.Operators.Windows;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Planning;

/// <summary>How a grouping expression forms key columns.</summary>
public enum GroupingKind
{
    /// <summary>A column or expression: one key column.</summary>
    Plain,
    /// <summary><c>window(time, size[, slide[, start]])</c>: two key columns, start and end.</summary>
    Window,
    /// <summary><c>session_window(time, gap)</c>: two key columns, start and end, merged in state.</summary>
    Session,
}

/// <summary>One grouping key of an aggregation.</summary>
/// <param name="Kind">How the key is formed.</param>
/// <param name="Source">The grouping expression as the user wrote it (alias removed).</param>
/// <param name="Value">The value (plain) or the event time (window, session; a window struct becomes window_time).</param>
/// <param name="Window">The assigner of a time window.</param>
/// <param name="Gap">The gap of a session window: a literal interval or a per-row expression giving one.</param>
public sealed record GroupingKey(GroupingKind Kind, Expr Source, Expr Value, WindowAssigner? Window, Expr? Gap);

/// <summary>
/// An <see cref="Aggregate"/> bound to its input schema, as Spark's planner splits it: key columns ("__k{i}", or
/// "__k{i}_start"/"__k{i}_end" for time windows), aggregate functions over argument expressions, the state operator's
/// result ("__k{i}" with windows as structs, then "__agg{j}") and the projection that gives the user's output columns.
/// </summary>
public sealed class AggregateBinding
{
    private AggregateBinding(IReadOnlyList<GroupingKey> keys, Schema keySchema, IReadOnlyList<AggregateSpec> aggregates,
        IReadOnlyList<Expr?> inputs, Schema resultSchema, IReadOnlyList<Expr> outputs, Schema outputSchema, Schema inputSchema)
    {
        InputSchema = inputSchema;
        BoundInputs = new BoundAggregateInputs(keys, inputs, inputSchema);
        Keys = keys;
        StateKeySchema = keySchema;
        Aggregates = aggregates;
        AggregateInputs = inputs;
        ResultSchema = resultSchema;
        OutputExprs = outputs;
        OutputSchema = outputSchema;
        // Read per batch by the exchange writers and operators: found once, not by a query over the keys at each read.
        TimeKey = IndexOfKey(keys, k => k.Kind != GroupingKind.Plain);
        SessionKey = IndexOfKey(keys, k => k.Kind == GroupingKind.Session);
    }

    private static int? IndexOfKey(IReadOnlyList<GroupingKey> keys, Func<GroupingKey, bool> match)
    {
        for (var i = 0; i < keys.Count; i++)
            if (match(keys[i])) return i;
        return null;
    }

    /// <summary>The schema of the aggregation's input.</summary>
    public Schema InputSchema { get; }
    /// <summary>The key values and aggregate arguments bound to <see cref="InputSchema"/>.</summary>
    internal BoundAggregateInputs BoundInputs { get; }
    /// <summary>The grouping keys in order.</summary>
    public IReadOnlyList<GroupingKey> Keys { get; }
    /// <summary>The key columns as state stores them.</summary>
    public Schema StateKeySchema { get; }
    /// <summary>The aggregate functions.</summary>
    public IReadOnlyList<AggregateSpec> Aggregates { get; }
    /// <summary>The argument of each aggregate over the input, null for count(*).</summary>
    public IReadOnlyList<Expr?> AggregateInputs { get; }
    /// <summary>The state operator's output: key columns (time windows as structs), then one column per aggregate.</summary>
    public Schema ResultSchema { get; }
    /// <summary>The final projection over <see cref="ResultSchema"/>.</summary>
    public IReadOnlyList<Expr> OutputExprs { get; }
    /// <summary>The aggregation's output schema as the user sees it.</summary>
    public Schema OutputSchema { get; }
    /// <summary>The index of the time-window or session key, if any.</summary>
    public int? TimeKey { get; }
    /// <summary>The index of the session key, if any.</summary>
    public int? SessionKey { get; }

    /// <summary>The first state key column of grouping key <paramref name="key"/> (its start column for a window).</summary>
    public int StateColumnOf(int key)
    {
        var column = 0;
        for (var i = 0; i < key; i++) column += Keys[i].Kind == GroupingKind.Plain ? 1 : 2;
        return column;
    }

    /// <summary>Binds <paramref name="node"/> over <paramref name="input"/>.</summary>
    /// <exception cref="AnalysisException">The aggregation does not resolve (the message says why, as Spark's does).</exception>
    public static AggregateBinding Bind(Aggregate node, Schema input)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(input);
        var keys = new List<GroupingKey>();
        var keyFields = new List<Field>();
        var resultFields = new List<Field>();
        for (var i = 0; i < node.Grouping.Count; i++)
        {
            var source = node.Grouping[i] is Alias a ? a.Child : node.Grouping[i];
            if (AnalyzerProjection.ContainsAggregate(source))
                throw new AnalysisException($"[GROUP_BY_AGGREGATE] Aggregate functions are not allowed in GROUP BY, but found {ExpressionTyper.ToSql(source)}.");
            var key = BindKey(source, input);
            keys.Add(key);
            if (key.Kind == GroupingKind.Plain)
            {
                var field = ExpressionTyper.Resolve(source, input);
                keyFields.Add(new Field($"__k{i}", field.DataType, field.IsNullable));
                resultFields.Add(new Field($"__k{i}", field.DataType, field.IsNullable));
            }
            else
            {
                keyFields.Add(new Field($"__k{i}_start", DataTypes.Timestamp, true));
                keyFields.Add(new Field($"__k{i}_end", DataTypes.Timestamp, true));
                resultFields.Add(new Field($"__k{i}", FunctionTypes.WindowType, true));
            }
        }
        if (keys.Count(k => k.Kind != GroupingKind.Plain) > 1)
            throw new AnalysisException("Multiple time/session window expressions would result in a cartesian product of rows, therefore they are currently not supported.");

        var calls = new List<FunctionCall>();
        var outputs = new List<Expr>();
        foreach (var output in node.Outputs)
        {
            var rewritten = Rewrite(output is Alias al ? al.Child : output, node.Grouping, calls);
            outputs.Add(new Alias(rewritten, OutputName(output)));
        }
        var specs = new List<AggregateSpec>();
        var inputs = new List<Expr?>();
        for (var j = 0; j < calls.Count; j++)
        {
            var (spec, arg) = BindCall(calls[j], input);
            specs.Add(spec);
            inputs.Add(arg);
            resultFields.Add(new Field($"__agg{j}", spec.ResultType(), spec.ResultNullable));
        }
        var resultSchema = new Schema(resultFields, null);
        foreach (var o in outputs) CheckGrouped(o, node);
        var outputSchema = new Schema(outputs.Select(o => ExpressionTyper.Resolve(o, resultSchema)).ToList(), null);
        return new AggregateBinding(keys, new Schema(keyFields, null), specs, inputs, resultSchema, outputs, outputSchema, input);
    }

    private static GroupingKey BindKey(Expr source, Schema input)
    {
        if (source is not FunctionCall { Name: var name } call || !(name.Equals("window", StringComparison.OrdinalIgnoreCase) || name.Equals("session_window", StringComparison.OrdinalIgnoreCase)))
            return new GroupingKey(GroupingKind.Plain, source, source, null, null);
        var time = TimeOf(call, input);
        if (name.Equals("window", StringComparison.OrdinalIgnoreCase))
        {
            if (call.Args.Count is < 2 or > 4) throw new AnalysisException($"window() takes 2 to 4 arguments, got {call.Args.Count}.");
            var size = Duration(call.Args[1], "window duration");
            var slide = call.Args.Count > 2 ? Duration(call.Args[2], "slide duration") : size;
            var start = call.Args.Count > 3 ? Duration(call.Args[3], "start time") : 0;
            return new GroupingKey(GroupingKind.Window, source, time, new WindowAssigner(size, slide, start), null);
        }
        if (call.Args.Count != 2) throw new AnalysisException($"session_window() takes 2 arguments, got {call.Args.Count}.");
        var gap = call.Args[1];
        if (gap is Literal { Value: string text })
        {
            if (IntervalParser.ParseMicros(text, "session gap") <= 0)
                throw new AnalysisException($"The gap duration '{text}' of session_window must be positive.");
        }
        else if (!TypeCoercion.IsString(ExpressionTyper.TypeOf(gap, input)))
            throw new AnalysisException($"The gap of session_window must be an interval string or an expression giving one, not {DataTypes.ToDdl(ExpressionTyper.TypeOf(gap, input))}.");
        return new GroupingKey(GroupingKind.Session, source, time, null, gap);
    }

    private static Expr TimeOf(FunctionCall call, Schema input)
    {
        if (call.Args.Count == 0) throw new AnalysisException($"{call.Name}() needs a time column.");
        var time = call.Args[0];
        return ExpressionTyper.TypeOf(time, input) switch
        {
            TimestampType => time,
            StructType st when st.Fields.Count == 2 && st.Fields[1].Name == "end" => new FunctionCall("window_time", [time]),
            var t => throw new AnalysisException(
                $"[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{ExpressionTyper.ToSql(call)}\" due to data type mismatch: the time column requires the \"TIMESTAMP\" type, however \"{ExpressionTyper.ToSql(time)}\" has the type \"{DataTypes.ToDdl(t).ToUpperInvariant()}\"."),
        };
    }

    private static long Duration(Expr e, string what) => e is Literal { Value: string text }
        ? IntervalParser.ParseMicros(text, what)
        : throw new AnalysisException($"The {what} of window() must be an interval string such as '10 seconds'.");

    // Grouping expressions become key references and aggregate calls become "__agg{j}", as Spark's planner does.
    private static Expr Rewrite(Expr e, IReadOnlyList<Expr> grouping, List<FunctionCall> calls)
    {
        for (var i = 0; i < grouping.Count; i++)
        {
            var g = grouping[i] is Alias a ? a.Child : grouping[i];
            if (Same(g, e)) return new ColumnRef($"__k{i}");
        }
        switch (e)
        {
            case FunctionCall f when FunctionTypes.IsAggregate(f.Name):
            {
                foreach (var arg in f.Args)
                    if (AnalyzerProjection.ContainsAggregate(arg))
                        throw new AnalysisException($"[NESTED_AGGREGATE_FUNCTION] It is not allowed to use an aggregate function in the argument of another aggregate function: {ExpressionTyper.ToSql(f)}.");
                var index = calls.FindIndex(c => Same(c, f));
                if (index < 0)
                {
                    calls.Add(f);
                    index = calls.Count - 1;
                }
                return new ColumnRef($"__agg{index}");
            }
            case FunctionCall f: return f with { Args = f.Args.Select(x => Rewrite(x, grouping, calls)).ToList() };
            case BinaryExpr b: return b with { Left = Rewrite(b.Left, grouping, calls), Right = Rewrite(b.Right, grouping, calls) };
            case UnaryExpr u: return u with { Child = Rewrite(u.Child, grouping, calls) };
            case CastExpr c: return c with { Child = Rewrite(c.Child, grouping, calls) };
            case GetField g: return g with { Child = Rewrite(g.Child, grouping, calls) };
            case Alias al: return al with { Child = Rewrite(al.Child, grouping, calls) };
            case CaseWhen cw:
                return new CaseWhen(cw.Branches.Select(br => new CaseBranch(Rewrite(br.Condition, grouping, calls), Rewrite(br.Value, grouping, calls))).ToList(),
                    cw.Else is null ? null : Rewrite(cw.Else, grouping, calls));
            default: return e;
        }
    }

    // Plan expressions hold lists, so record equality is by reference: compare their SQL text instead.
    private static bool Same(Expr a, Expr b) => ReferenceEquals(a, b) || ExpressionTyper.ToSql(a) == ExpressionTyper.ToSql(b);

    private static void CheckGrouped(Expr e, Aggregate node)
    {
        switch (e)
        {
            case ColumnRef c when !c.Name.StartsWith("__k", StringComparison.Ordinal) && !c.Name.StartsWith("__agg", StringComparison.Ordinal):
                throw new AnalysisException(
                    $"[MISSING_AGGREGATION] The non-aggregating expression \"{c.Name}\" is based on columns which are not participating in the GROUP BY clause. Add the columns or the expression to the GROUP BY, or aggregate the expression.");
            case Star:
                throw new AnalysisException("[MISSING_AGGREGATION] '*' cannot be used in an aggregation's output; list grouping columns and aggregates.");
            case FunctionCall f: foreach (var x in f.Args) CheckGrouped(x, node); break;
            case BinaryExpr b: CheckGrouped(b.Left, node); CheckGrouped(b.Right, node); break;
            case UnaryExpr u: CheckGrouped(u.Child, node); break;
            case CastExpr c: CheckGrouped(c.Child, node); break;
            case GetField g: CheckGrouped(g.Child, node); break;
            case Alias a: CheckGrouped(a.Child, node); break;
            case CaseWhen cw:
                foreach (var br in cw.Branches) { CheckGrouped(br.Condition, node); CheckGrouped(br.Value, node); }
                if (cw.Else is not null) CheckGrouped(cw.Else, node);
                break;
        }
    }

    private static (AggregateSpec Spec, Expr? Arg) BindCall(FunctionCall f, Schema input)
    {
        var name = f.Name.ToLowerInvariant() switch
        {
            "mean" => "avg",
            "first_value" or "any_value" => "first",
            "last_value" => "last",
            var n => n,
        };
        if (f.IsDistinct || name is "count_distinct" or "sum_distinct")
            throw new AnalysisException("Distinct aggregations are not supported on streaming DataFrames/Datasets. Consider using approx_count_distinct() instead.");
        if (name is "collect_list" or "collect_set")
            throw new NotSupportedException($"The aggregate function {name} is not supported yet.");
        if (name == "count" && (f.Args.Count == 0 || f.Args[0] is Star || f.Args[0] is Literal { Value: not null }))
            return (new AggregateSpec("count", null), null);
        if (f.Args.Count == 0) throw new AnalysisException($"{f.Name}() needs an argument.");
        var arg = f.Args[0];
        return (new AggregateSpec(name, ExpressionTyper.TypeOf(arg, input)), arg);
    }

    /// <summary>Spark's output column name of an aggregation output: its alias, "count(1)" for count(*), "window" for a window.</summary>
    private static string OutputName(Expr e) => e switch
    {
        Alias a => a.Name,
        FunctionCall { Name: var n } when n.Equals("window", StringComparison.OrdinalIgnoreCase) => "window",
        FunctionCall { Name: var n } when n.Equals("session_window", StringComparison.OrdinalIgnoreCase) => "session_window",
        _ => ExpressionTyper.NameOf(e),
    };
}
