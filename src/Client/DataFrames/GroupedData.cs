
namespace OrleansStream.Client;

/// <summary>A DataFrame grouped by keys (Spark's RelationalGroupedDataset); aggregate it with <see cref="Agg"/> or <see cref="Count"/>.</summary>
public sealed class GroupedData
{
    private readonly DataFrame _frame;
    private readonly IReadOnlyList<Expr> _keys;

    internal GroupedData(DataFrame frame, IReadOnlyList<Expr> keys)
    {
        _frame = frame;
        _keys = keys;
    }

    /// <summary>The grouping columns followed by the aggregates: <c>Agg(Count().As("n"), Sum("amount"))</c>.</summary>
    public DataFrame Agg(params Column[] aggregates)
    {
        ArgumentNullException.ThrowIfNull(aggregates);
        if (aggregates.Length == 0) throw new ArgumentException("Agg needs at least one aggregate expression.", nameof(aggregates));
        return _frame.WithPlan(new Aggregate(_frame.Plan, _keys, [.. _keys, .. aggregates.Select(a => a.Expr)]));
    }

    /// <summary>The number of rows per group, in a column named "count".</summary>
    public DataFrame Count() => Agg(Functions.Count().As("count"));

    /// <summary>Sum of each named column per group.</summary>
    public DataFrame Sum(params string[] columns) => Agg(columns.Select(Functions.Sum).ToArray());

    /// <summary>Average of each named column per group.</summary>
    public DataFrame Avg(params string[] columns) => Agg(columns.Select(Functions.Avg).ToArray());

    /// <summary>Minimum of each named column per group.</summary>
    public DataFrame Min(params string[] columns) => Agg(columns.Select(Functions.Min).ToArray());

    /// <summary>Maximum of each named column per group.</summary>
    public DataFrame Max(params string[] columns) => Agg(columns.Select(Functions.Max).ToArray());

    /// <summary>
    /// Spark 4's transformWithState over rows: each grouping key's rows of an epoch, and each of its timers that fires, go
    /// to <paramref name="processor"/>'s handlers, which keep per-key state and return rows of
    /// <paramref name="outputSchemaDdl"/>. The processor runs on the silos: only its type travels with the query (an
    /// instance per state partition is created there, through the silo's services), so <paramref name="processor"/> stands
    /// for its type and its field values are not used. Group by columns.
    /// </summary>
    /// <param name="processor">An instance of the processor type (every silo must register it; the embedded session does).</param>
    /// <param name="outputSchemaDdl">The rows the processor returns, as Spark DDL ("key STRING, count BIGINT").</param>
    /// <param name="outputMode">Append or Update (as Spark allows).</param>
    /// <param name="timeMode">Which timers the processor may register.</param>
    /// <exception cref="ArgumentException">A grouping expression is not a column, or the output mode is Complete.</exception>
    public DataFrame TransformWithState(StatefulProcessor processor, string outputSchemaDdl, OutputMode outputMode, TimeMode timeMode)
    {
        ArgumentNullException.ThrowIfNull(processor);
        return TransformWithState(processor.GetType(), outputSchemaDdl, outputMode, timeMode);
    }

    /// <summary>transformWithState with processor type <typeparamref name="TProcessor"/> (see the instance overload).</summary>
    public DataFrame TransformWithState<TProcessor>(string outputSchemaDdl, OutputMode outputMode, TimeMode timeMode) where TProcessor : StatefulProcessor =>
        TransformWithState(typeof(TProcessor), outputSchemaDdl, outputMode, timeMode);

    /// <summary>
    /// Spark's flatMapGroupsWithState over rows: each epoch, each group's new rows go to <paramref name="function"/> with the
    /// group's <see cref="GroupState{TState}"/>, and so does each group whose timeout passed (with no rows); it returns any
    /// number of rows of <paramref name="outputSchemaDdl"/>. The function runs on the silos: only its type travels with the
    /// query, so <paramref name="function"/> stands for its type and its field values are not used. Group by columns.
    /// </summary>
    /// <param name="function">An instance of the function type (every silo must register it; the embedded session does).</param>
    /// <param name="outputMode">Append or Update: the query's output mode must match, as in Spark.</param>
    /// <param name="outputSchemaDdl">The rows the function returns, as Spark DDL ("key STRING, count BIGINT").</param>
    /// <param name="timeout">Which timeout the function may set.</param>
    /// <exception cref="ArgumentException">The output mode is Complete ("The output mode of function should be append or update"), or a grouping expression is not a column.</exception>
    public DataFrame FlatMapGroupsWithState<TState>(FlatMapGroupsWithStateFunction<TState> function, OutputMode outputMode, string outputSchemaDdl, GroupStateTimeout timeout)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (outputMode == OutputMode.Complete) throw new ArgumentException("The output mode of function should be append or update", nameof(outputMode));
        return GroupsWithState(function, outputMode, outputSchemaDdl, timeout, isMap: false);
    }

    /// <summary>
    /// Spark's mapGroupsWithState over rows: as <see cref="FlatMapGroupsWithState{TState}"/>, with one output row per call; the
    /// query runs in Update mode.
    /// </summary>
    /// <param name="function">An instance of the function type (every silo must register it; the embedded session does).</param>
    /// <param name="outputSchemaDdl">The row the function returns, as Spark DDL.</param>
    /// <param name="timeout">Which timeout the function may set.</param>
    public DataFrame MapGroupsWithState<TState>(MapGroupsWithStateFunction<TState> function, string outputSchemaDdl, GroupStateTimeout timeout)
    {
        ArgumentNullException.ThrowIfNull(function);
        return GroupsWithState(function, OutputMode.Update, outputSchemaDdl, timeout, isMap: true);
    }

    /// <summary>mapGroupsWithState without a timeout (Spark's mapGroupsWithState(func)).</summary>
    public DataFrame MapGroupsWithState<TState>(MapGroupsWithStateFunction<TState> function, string outputSchemaDdl) =>
        MapGroupsWithState(function, outputSchemaDdl, GroupStateTimeout.NoTimeout);

    private DataFrame GroupsWithState(GroupsWithStateFunction function, OutputMode outputMode, string outputSchemaDdl, GroupStateTimeout timeout, bool isMap)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputSchemaDdl);
        var name = isMap ? "mapGroupsWithState" : "flatMapGroupsWithState";
        var keys = _keys.Select(k => k is ColumnRef { Name: var column } ? column
            : throw new ArgumentException($"{name} groups by columns; {k} is an expression: add it with WithColumn first.")).ToList();
        return _frame.WithPlan(new FlatMapGroupsWithState(_frame.Plan, keys, function.GetType().AssemblyQualifiedName!, outputSchemaDdl,
            outputMode.ToString().ToLowerInvariant(), timeout.ToString().ToLowerInvariant(), isMap));
    }

    private DataFrame TransformWithState(Type processorType, string outputSchemaDdl, OutputMode outputMode, TimeMode timeMode)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputSchemaDdl);
        if (outputMode == OutputMode.Complete)
            throw new ArgumentException("transformWithState supports the Append and Update output modes, not Complete.", nameof(outputMode));
        var keys = _keys.Select(k => k is ColumnRef { Name: var name } ? name
            : throw new ArgumentException($"transformWithState groups by columns; {k} is an expression: add it with WithColumn first.")).ToList();
        return _frame.WithPlan(new TransformWithState(_frame.Plan, keys, processorType.AssemblyQualifiedName!, outputSchemaDdl,
            outputMode.ToString().ToLowerInvariant(), timeMode.ToString().ToLowerInvariant()));
    }
}
