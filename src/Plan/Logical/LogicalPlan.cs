using System.Text.Json.Serialization;
using OrleansStream.Plan.Expressions;

namespace OrleansStream.Plan.Logical;

/// <summary>
/// A node of the unresolved logical plan that a DataFrame describes. Immutable and serialisable as JSON
/// (<see cref="PlanSerializer"/>): the client builds it, the silo analyses, validates and plans it.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "$p")]
[JsonDerivedType(typeof(SourceRelation), "source")]
[JsonDerivedType(typeof(LocalRelation), "local")]
[JsonDerivedType(typeof(Project), "project")]
[JsonDerivedType(typeof(Filter), "filter")]
[JsonDerivedType(typeof(WithColumns), "withColumns")]
[JsonDerivedType(typeof(RenameColumn), "rename")]
[JsonDerivedType(typeof(DropColumns), "drop")]
[JsonDerivedType(typeof(Union), "union")]
[JsonDerivedType(typeof(Aggregate), "aggregate")]
[JsonDerivedType(typeof(EventTimeWatermark), "watermark")]
[JsonDerivedType(typeof(Deduplicate), "deduplicate")]
[JsonDerivedType(typeof(Join), "join")]
[JsonDerivedType(typeof(SubqueryAlias), "subqueryAlias")]
[JsonDerivedType(typeof(TransformWithState), "transformWithState")]
[JsonDerivedType(typeof(FlatMapGroupsWithState), "flatMapGroupsWithState")]
public abstract record LogicalPlan
{
    /// <summary>
    /// The id of the DataFrame whose root this node is (Spark Connect's plan id), or null. A column reference made by that
    /// DataFrame (<see cref="ColumnRef.PlanId"/>) resolves to this subtree's output, even where another side of a join has a
    /// column of the same name.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? PlanId { get; init; }

    /// <summary>The direct inputs of this node.</summary>
    [JsonIgnore]
    public abstract IReadOnlyList<LogicalPlan> Children { get; }

    /// <summary>The leaves under this node (sources and local relations), left to right.</summary>
    public IEnumerable<LogicalPlan> Leaves() => Children.Count == 0 ? [this] : Children.SelectMany(c => c.Leaves());
}

/// <summary>A leaf that reads a source: a streaming source when <see cref="IsStreaming"/>, otherwise a batch read.</summary>
/// <param name="SourceId">Stable id of this source inside its query (e.g. "0"); keys offsets in the checkpoint.</param>
/// <param name="Format">memory, rate, rate-micro-batch, nexmark, json, csv, text, parquet.</param>
/// <param name="Options">Reader options (path, maxFilesPerTrigger, mode, header, streamId, ...), case-insensitive keys.</param>
/// <param name="SchemaDdl">User-given schema as Spark DDL ("a INT, b STRING"), or null to use the format's own.</param>
public sealed record SourceRelation(string SourceId, string Format, IReadOnlyDictionary<string, string> Options, string? SchemaDdl, bool IsStreaming) : LogicalPlan
{
    /// <inheritdoc />
    public override IReadOnlyList<LogicalPlan> Children => [];
}

/// <summary>Rows held in the plan itself as Arrow IPC stream bytes (foreachBatch frames, small test tables).</summary>
public sealed record LocalRelation(byte[] ArrowIpc) : LogicalPlan
{
    /// <inheritdoc />
    public override IReadOnlyList<LogicalPlan> Children => [];
}

/// <summary>SELECT list. May contain <see cref="Star"/> and generators (explode).</summary>
public sealed record Project(LogicalPlan Child, IReadOnlyList<Expr> Exprs) : LogicalPlan
{
    /// <inheritdoc />
    public override IReadOnlyList<LogicalPlan> Children => [Child];
}

/// <summary>WHERE.</summary>
public sealed record Filter(LogicalPlan Child, Expr Condition) : LogicalPlan
{
    /// <inheritdoc />
    public override IReadOnlyList<LogicalPlan> Children => [Child];
}

/// <summary>withColumn: replaces a column of that name in place, or appends it.</summary>
public sealed record WithColumns(LogicalPlan Child, IReadOnlyList<string> Names, IReadOnlyList<Expr> Exprs) : LogicalPlan
{
    /// <inheritdoc />
    public override IReadOnlyList<LogicalPlan> Children => [Child];
}

/// <summary>withColumnRenamed; a no-op when <see cref="Existing"/> is absent (as in Spark).</summary>
public sealed record RenameColumn(LogicalPlan Child, string Existing, string NewName) : LogicalPlan
{
    /// <inheritdoc />
    public override IReadOnlyList<LogicalPlan> Children => [Child];
}

/// <summary>drop; names that do not exist are ignored (as in Spark).</summary>
public sealed record DropColumns(LogicalPlan Child, IReadOnlyList<string> Names) : LogicalPlan
{
    /// <inheritdoc />
    public override IReadOnlyList<LogicalPlan> Children => [Child];
}

/// <summary>UNION ALL by position; column names come from the left side.</summary>
public sealed record Union(LogicalPlan Left, LogicalPlan Right) : LogicalPlan
{
    /// <inheritdoc />
    public override IReadOnlyList<LogicalPlan> Children => [Left, Right];
}

/// <summary>
/// GROUP BY: <see cref="Grouping"/> keys (columns, expressions, <c>window(...)</c>, <c>session_window(...)</c>) and the
/// output list <see cref="Outputs"/>, which holds the grouping expressions and aggregate expressions (as Spark's Aggregate).
/// </summary>
public sealed record Aggregate(LogicalPlan Child, IReadOnlyList<Expr> Grouping, IReadOnlyList<Expr> Outputs) : LogicalPlan
{
    /// <inheritdoc />
    public override IReadOnlyList<LogicalPlan> Children => [Child];
}

/// <summary>withWatermark: marks <see cref="Column"/> as the event time with a lateness bound of <see cref="Delay"/> ("10 seconds").</summary>
public sealed record EventTimeWatermark(LogicalPlan Child, string Column, string Delay) : LogicalPlan
{
    /// <inheritdoc />
    public override IReadOnlyList<LogicalPlan> Children => [Child];
}

/// <summary>dropDuplicates over <see cref="Keys"/> (every column when empty); <see cref="WithinWatermark"/> for dropDuplicatesWithinWatermark.</summary>
public sealed record Deduplicate(LogicalPlan Child, IReadOnlyList<string> Keys, bool WithinWatermark) : LogicalPlan
{
    /// <inheritdoc />
    public override IReadOnlyList<LogicalPlan> Children => [Child];
}

/// <summary>
/// JOIN of <see cref="Left"/> and <see cref="Right"/> (Spark's Join). <see cref="Condition"/> may mix equalities between the
/// sides (the keys) with any other predicate; null joins every pair (a cross join, or an inner join without condition).
/// <see cref="UsingColumns"/>, when not empty, names columns present on both sides that must be equal; the output then holds
/// each of them once, first (Spark's <c>join(right, usingColumns, joinType)</c>).
/// </summary>
public sealed record Join(LogicalPlan Left, LogicalPlan Right, JoinType Type, Expr? Condition, IReadOnlyList<string> UsingColumns) : LogicalPlan
{
    /// <inheritdoc />
    public override IReadOnlyList<LogicalPlan> Children => [Left, Right];
}

/// <summary><c>df.as("a")</c> (Spark's SubqueryAlias): the same rows, each column qualified by <see cref="Alias"/> so that
/// <c>a.id</c> names it, which tells the two sides of a self-join apart.</summary>
public sealed record SubqueryAlias(LogicalPlan Child, string Alias) : LogicalPlan
{
    /// <inheritdoc />
    public override IReadOnlyList<LogicalPlan> Children => [Child];
}
