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
/// <param name="InitialState">A batch plan whose rows give the processor each key's initial state in the query's first epoch, or null.</param>
/// <param name="InitialStateKeys">The grouping columns of <paramref name="InitialState"/>, by name (types as <paramref name="Keys"/>').</param>
public sealed record TransformWithState(LogicalPlan Child, IReadOnlyList<string> Keys, string ProcessorType, string OutputSchemaDdl, string OutputMode, string TimeMode,
    LogicalPlan? InitialState = null, IReadOnlyList<string>? InitialStateKeys = null) : LogicalPlan
{
    /// <inheritdoc />
    public override IReadOnlyList<LogicalPlan> Children => InitialState is null ? [Child] : [Child, InitialState];
}
