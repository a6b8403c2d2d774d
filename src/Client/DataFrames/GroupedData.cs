
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
}
