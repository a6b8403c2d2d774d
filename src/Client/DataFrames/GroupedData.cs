
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
