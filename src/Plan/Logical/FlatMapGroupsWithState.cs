namespace OrleansStream.Plan.Logical;

/// <summary>
/// <c>GroupBy(Keys).FlatMapGroupsWithState(...)</c> or <c>MapGroupsWithState(...)</c> (Spark's FlatMapGroupsWithState node):
/// rows grouped on <see cref="Keys"/> handed to the user's function with the group's state. The function runs on the silos
/// and is named by its assembly-qualified <see cref="FunctionType"/> (the plan carries no code).
/// </summary>
/// <param name="Child">The input.</param>
/// <param name="Keys">The grouping columns, by name.</param>
/// <param name="FunctionType">The function's assembly-qualified type name.</param>
/// <param name="OutputSchemaDdl">The rows the function returns, as Spark DDL.</param>
/// <param name="OutputMode">The function's output mode: "append" or "update" (mapGroupsWithState: "update").</param>
/// <param name="Timeout">"notimeout", "processingtimetimeout" or "eventtimetimeout".</param>
/// <param name="IsMapGroupsWithState">Whether it is mapGroupsWithState (one row per call; Spark checks it apart).</param>
public sealed record FlatMapGroupsWithState(LogicalPlan Child, IReadOnlyList<string> Keys, string FunctionType, string OutputSchemaDdl, string OutputMode, string Timeout, bool IsMapGroupsWithState) : LogicalPlan
{
    /// <inheritdoc />
    public override IReadOnlyList<LogicalPlan> Children => [Child];

    /// <summary>Spark's name of the operation in refusals.</summary>
    public string OperationName => IsMapGroupsWithState ? "mapGroupsWithState" : "flatMapGroupsWithState";
}
