
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

    /// <summary>
    /// transformWithState with an <see cref="AsyncStatefulProcessor"/>, whose handlers may await (see the synchronous
    /// overload for the rest): up to its <see cref="AsyncStatefulProcessor.MaxKeysInFlight"/> keys per state partition are
    /// handled at once, the output keeps the synchronous order, and each epoch commits only after all its handlers completed.
    /// </summary>
    /// <param name="processor">An instance of the processor type (every silo must register it with AddAsyncStatefulProcessor; the embedded session does).</param>
    /// <param name="outputSchemaDdl">The rows the processor returns, as Spark DDL ("key STRING, count BIGINT").</param>
    /// <param name="outputMode">Append or Update (as Spark allows).</param>
    /// <param name="timeMode">Which timers the processor may register.</param>
    /// <exception cref="ArgumentException">A grouping expression is not a column, or the output mode is Complete.</exception>
    public DataFrame TransformWithState(AsyncStatefulProcessor processor, string outputSchemaDdl, OutputMode outputMode, TimeMode timeMode)
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

    /// <summary>
    /// transformWithState with an initial state (Spark's transformWithState with initialState): each row of
    /// <paramref name="initialState"/>, a batch DataFrame grouped by columns of the same types as this one's, goes to
    /// <see cref="StatefulProcessor.HandleInitialState"/> of its key in the query's first epoch, before that epoch's input.
    /// It is not read again after that epoch, nor when the query restarts from its checkpoint. Two rows of one key fail the
    /// query (Spark's STATEFUL_PROCESSOR_CANNOT_REINITIALIZE_STATE_ON_KEY). See the overload without it for the rest.
    /// </summary>
    /// <param name="processor">An instance of the processor type (every silo must register it; the embedded session does).</param>
    /// <param name="outputSchemaDdl">The rows the processor returns, as Spark DDL.</param>
    /// <param name="outputMode">Append or Update.</param>
    /// <param name="timeMode">Which timers the processor may register.</param>
    /// <param name="initialState">A batch DataFrame grouped by as many columns as this one, of the same types.</param>
    /// <exception cref="ArgumentException">The initial state is streaming, or grouped by expressions or another number of columns.</exception>
    public DataFrame TransformWithState(StatefulProcessor processor, string outputSchemaDdl, OutputMode outputMode, TimeMode timeMode, GroupedData initialState)
    {
        ArgumentNullException.ThrowIfNull(processor);
        ArgumentNullException.ThrowIfNull(initialState);
        if (initialState._frame.IsStreaming)
            throw new ArgumentException("The initial state of transformWithState must be a batch DataFrame, not a streaming one.", nameof(initialState));
        if (initialState._keys.Count != _keys.Count)
            throw new ArgumentException($"The initial state of transformWithState is grouped by {initialState._keys.Count} column(s) but the input by {_keys.Count}: the grouping keys must match.", nameof(initialState));
        return TransformWithState(processor.GetType(), outputSchemaDdl, outputMode, timeMode, initialState);
    }

    private DataFrame TransformWithState(Type processorType, string outputSchemaDdl, OutputMode outputMode, TimeMode timeMode, GroupedData? initialState = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputSchemaDdl);
        if (outputMode == OutputMode.Complete)
            throw new ArgumentException("transformWithState supports the Append and Update output modes, not Complete.", nameof(outputMode));
        return _frame.WithPlan(new TransformWithState(_frame.Plan, ColumnNames(), processorType.AssemblyQualifiedName!, outputSchemaDdl,
            outputMode.ToString().ToLowerInvariant(), timeMode.ToString().ToLowerInvariant(), initialState?._frame.Plan, initialState?.ColumnNames()));
    }

    private List<string> ColumnNames() => _keys.Select(k => k is ColumnRef { Name: var name } ? name
        : throw new ArgumentException($"transformWithState groups by columns; {k} is an expression: add it with WithColumn first.")).ToList();
}
