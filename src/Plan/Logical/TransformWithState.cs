namespace OrleansStream.Plan.Logical;

/// <summary>
/// <c>GroupBy(Keys).TransformWithState(...)</c>: rows grouped on <see cref="Keys"/> handed to the user's stateful processor,
/// which runs on the silos and is named by its assembly-qualified <see cref="ProcessorType"/> (the plan carries no code).
/// </summary>
/// <param name="Child">The input.</param>
/// <param name="Keys">The grouping columns, by name.</param>
/// <param name="ProcessorType">The processor's assembly-qualified type name.</param>
/// <param name="OutputSchemaDdl">The rows the processor returns, as Spark DDL.</param>
/// <param name="OutputMode">"append" or "update".</param>
/// <param name="TimeMode">"none", "processingtime" or "eventtime".</param>
public sealed record TransformWithState(LogicalPlan Child, IReadOnlyList<string> Keys, string ProcessorType, string OutputSchemaDdl, string OutputMode, string TimeMode) : LogicalPlan
{
    /// <inheritdoc />
    public override IReadOnlyList<LogicalPlan> Children => [Child];
}
