using System.Text;
using Apache.Arrow;
using OrleansStream.Plan;
using OrleansStream.Plan.Sql;
using OrleansStream.Plan.Types;
using OrleansStream.Interfaces.Batch;

namespace OrleansStream.Client;

/// <summary>
/// An immutable description of a table, bounded (batch) or unbounded (streaming), as Spark's DataFrame.
/// Transformations build a new DataFrame; only actions (<see cref="CollectAsync"/>, <see cref="ShowAsync"/>,
/// <see cref="Write"/>, <see cref="WriteStream"/>) talk to the cluster.
/// </summary>
public sealed class DataFrame
{
    private static long _nextPlanId;

    internal DataFrame(StreamSession session, LogicalPlan plan)
    {
        Session = session;
        // Each DataFrame's root carries an id (Spark Connect's plan id) so that Col(name) can name this DataFrame's column
        // wherever its plan ends up, e.g. on one side of a join whose other side has a column of the same name.
        Plan = plan.PlanId is null ? plan with { PlanId = Interlocked.Increment(ref _nextPlanId) } : plan;
    }

    internal StreamSession Session { get; }
    internal LogicalPlan Plan { get; }

    /// <summary>True when the DataFrame reads at least one streaming source.</summary>
    public bool IsStreaming => Plan.Leaves().Any(l => l is SourceRelation { IsStreaming: true });

    /// <summary>
    /// The output schema, analysed by the cluster (which infers file schemas from its own files); throws the analysis
    /// error when the plan does not resolve. Blocks on the call, as Spark's <c>df.schema</c> does; see <see cref="GetSchemaAsync"/>.
    /// </summary>
    /// <exception cref="AnalysisException">The plan does not resolve (Spark's error text).</exception>
    public Schema Schema => GetSchemaAsync().GetAwaiter().GetResult();

    /// <summary>The output schema, analysed by the cluster; see <see cref="Schema"/>.</summary>
    /// <exception cref="AnalysisException">The plan does not resolve (Spark's error text).</exception>
    public async Task<Schema> GetSchemaAsync(CancellationToken cancellationToken = default)
    {
        var result = await Session.Grains.GetGrain<IBatchQueryGrain>(0).AnalyzeAsync(PlanSerializer.Serialize(Plan), cancellationToken).ConfigureAwait(false);
        return result.SchemaIpc is { } schema ? ArrowIpc.ReadSchema(schema) : throw new AnalysisException(result.Error ?? "The plan did not resolve.");
    }

    /// <summary>The column names, in order.</summary>
    public IReadOnlyList<string> Columns => Schema.FieldsList.Select(f => f.Name).ToList();

    /// <summary>Projects columns and expressions.</summary>
    public DataFrame Select(params Column[] columns) => With(new Project(Plan, columns.Select(c => c.Expr).ToArray()));
    /// <summary>Projects columns by name ("*" and "a.*" allowed).</summary>
    public DataFrame Select(params string[] columns) => Select(columns.Select(Functions.Col).ToArray());
    /// <summary>Projects Spark SQL expressions ("amount * 2 AS doubled").</summary>
    public DataFrame SelectExpr(params string[] expressions) => With(new Project(Plan, expressions.Select(SqlExpressionParser.ParseNamed).ToArray()));
    /// <summary>Keeps rows where <paramref name="condition"/> is true.</summary>
    public DataFrame Where(Column condition) => With(new Filter(Plan, condition.Expr));
    /// <summary>Keeps rows where the SQL condition is true.</summary>
    public DataFrame Where(string condition) => With(new Filter(Plan, SqlExpressionParser.Parse(condition)));
    /// <summary>Alias of <see cref="Where(Column)"/>.</summary>
    public DataFrame Filter(Column condition) => Where(condition);
    /// <summary>Alias of <see cref="Where(string)"/>.</summary>
    public DataFrame Filter(string condition) => Where(condition);
    /// <summary>Adds or replaces a column.</summary>
    public DataFrame WithColumn(string name, Column column) => With(new WithColumns(Plan, [name], [column.Expr]));
    /// <summary>Renames a column; a no-op when it does not exist.</summary>
    public DataFrame WithColumnRenamed(string existing, string newName) => With(new RenameColumn(Plan, existing, newName));
    /// <summary>Drops columns; names that do not exist are ignored.</summary>
    public DataFrame Drop(params string[] columns) => With(new DropColumns(Plan, columns));
    /// <summary>UNION ALL by position.</summary>
    public DataFrame Union(DataFrame other)
    {
        if (other.Session != Session) throw new ArgumentException("Cannot union DataFrames of different sessions.");
        return With(new Union(Plan, other.Plan));
    }

    /// <summary>
    /// This DataFrame's column <paramref name="name"/> (Spark's <c>df("id")</c> / <c>df.col("id")</c>): it resolves to this
    /// DataFrame's column even where a join puts another column of the same name beside it. A DataFrame joined with itself
    /// has the same columns on both sides: tell them apart with <see cref="As"/> and <c>Col("a.id")</c>.
    /// </summary>
    public Column Col(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name == "*" ? Functions.Col(name) : new Column(new ColumnRef(name) { PlanId = Plan.PlanId });
    }

    /// <summary>The same rows with every column qualified by <paramref name="alias"/> (Spark's <c>df.as("a")</c>), so that
    /// <c>Col("a.id")</c> and <c>"a.*"</c> name them, which tells the two sides of a self-join apart.</summary>
    public DataFrame As(string alias)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(alias);
        return With(new SubqueryAlias(Plan, alias));
    }

    /// <summary>Alias of <see cref="As"/> (Spark's <c>df.alias("a")</c>).</summary>
    public DataFrame Alias(string alias) => As(alias);

    /// <summary>Inner join without a condition: every pair of rows (Spark's <c>join(right)</c>).</summary>
    public DataFrame Join(DataFrame right) => JoinWith(right, JoinType.Inner, null, []);

    /// <summary>Inner equi-join on <paramref name="usingColumn"/>, a column both sides have; the output holds it once, first.</summary>
    public DataFrame Join(DataFrame right, string usingColumn)
    {
        ArgumentNullException.ThrowIfNull(usingColumn);
        return Join(right, [usingColumn]);
    }

    /// <summary>
    /// Equi-join on <paramref name="usingColumns"/>, columns both sides have (Spark's <c>join(right, usingColumns, joinType)</c>):
    /// the output holds each of them once, first (the left side's value; the right side's for a right outer join; the first
    /// non-null for a full outer join), then the other columns of the left side and of the right side.
    /// </summary>
    /// <param name="right">The right side.</param>
    /// <param name="usingColumns">The key columns' names.</param>
    /// <param name="joinType">Spark's spelling: inner, cross, outer, full, fullouter, full_outer, left, leftouter,
    /// left_outer, right, rightouter, right_outer, semi, leftsemi, left_semi, anti, leftanti, left_anti.</param>
    /// <exception cref="ArgumentException">An unknown join type (Spark's message).</exception>
    public DataFrame Join(DataFrame right, string[] usingColumns, string joinType = "inner")
    {
        ArgumentNullException.ThrowIfNull(usingColumns);
        if (usingColumns.Length == 0) throw new ArgumentException("A using join needs at least one column.", nameof(usingColumns));
        return JoinWith(right, JoinTypes.Parse(joinType), null, usingColumns);
    }

    /// <summary>
    /// Join on a condition (Spark's <c>join(right, joinExprs, joinType)</c>): equalities between a column of each side
    /// (<c>==</c>, or <see cref="Column.EqNullSafe"/> where nulls match each other) are its keys; anything else filters the
    /// pairs. Name columns present on both sides with <see cref="Col"/> or an alias (<see cref="As"/>): a bare name found on
    /// both sides is ambiguous.
    /// </summary>
    /// <param name="right">The right side.</param>
    /// <param name="on">The join condition.</param>
    /// <param name="joinType">Spark's spelling (see <see cref="Join(DataFrame, string[], string)"/>).</param>
    /// <exception cref="ArgumentException">An unknown join type (Spark's message).</exception>
    public DataFrame Join(DataFrame right, Column on, string joinType = "inner")
    {
        ArgumentNullException.ThrowIfNull(on);
        return JoinWith(right, JoinTypes.Parse(joinType), on.Expr, []);
    }

    /// <summary>Every pair of rows of this DataFrame and <paramref name="right"/> (Spark's <c>crossJoin</c>).</summary>
    public DataFrame CrossJoin(DataFrame right) => JoinWith(right, JoinType.Cross, null, []);

    private DataFrame JoinWith(DataFrame right, JoinType type, Expr? condition, IReadOnlyList<string> usingColumns)
    {
        ArgumentNullException.ThrowIfNull(right);
        if (right.Session != Session) throw new ArgumentException("Cannot join DataFrames of different sessions.", nameof(right));
        return With(new OrleansStream.Plan.Logical.Join(Plan, right.Plan, type, condition, usingColumns));
    }

    /// <summary>Groups rows by columns, expressions, <see cref="Functions.Window(Column, string, string?, string?)"/> or
    /// <see cref="Functions.SessionWindow(Column, string)"/>; no columns means one global group.</summary>
    public GroupedData GroupBy(params Column[] columns) => new(this, columns.Select(c => c.Expr).ToArray());
    /// <summary>Groups rows by named columns.</summary>
    public GroupedData GroupBy(params string[] columns) => GroupBy(columns.Select(Functions.Col).ToArray());
    /// <summary>One global group (Spark's <c>groupBy()</c>): <c>GroupBy().Count()</c>.</summary>
    public GroupedData GroupBy() => GroupBy(System.Array.Empty<Column>());
    /// <summary>Aggregates over the whole DataFrame (one group): <c>Agg(Count())</c>.</summary>
    public DataFrame Agg(params Column[] aggregates) => GroupBy().Agg(aggregates);

    /// <summary>The same rows with every column renamed, by position (Spark's <c>toDF(colNames*)</c>).</summary>
    /// <exception cref="ArgumentException">The number of names differs from the number of columns; the message lists both.</exception>
    public DataFrame ToDF(params string[] columnNames)
    {
        ArgumentNullException.ThrowIfNull(columnNames);
        var old = Columns;
        if (old.Count != columnNames.Length)
            throw new ArgumentException($"The number of columns doesn't match.\nOld column names ({old.Count}): {string.Join(", ", old)}\n" +
                $"New column names ({columnNames.Length}): {string.Join(", ", columnNames)}", nameof(columnNames));
        return Select(old.Select((name, i) => new Column(ColumnRef.ToField(name)).As(columnNames[i])).ToArray());
    }

    /// <summary>
    /// Declares <paramref name="eventTime"/> as the event time with a lateness bound: the watermark is the maximum event time
    /// seen minus <paramref name="delayThreshold"/> ("10 seconds"); state older than it is final and evicted, rows older than it are late.
    /// </summary>
    public DataFrame WithWatermark(string eventTime, string delayThreshold)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(eventTime);
        ArgumentException.ThrowIfNullOrWhiteSpace(delayThreshold);
        IntervalParser.Parse(delayThreshold, "watermark delay");
        return With(new EventTimeWatermark(Plan, eventTime, delayThreshold));
    }

    /// <summary>Drops rows whose <paramref name="columns"/> (all columns when none) repeat an earlier row's; on a stream, keys
    /// are kept in state (until the watermark passes them when the event-time column is among the keys).</summary>
    public DataFrame DropDuplicates(params string[] columns) => With(new Deduplicate(Plan, columns, WithinWatermark: false));

    /// <summary>Drops rows whose <paramref name="columns"/> repeat an earlier row's within the watermark delay (needs <see cref="WithWatermark"/>).</summary>
    public DataFrame DropDuplicatesWithinWatermark(params string[] columns) => With(new Deduplicate(Plan, columns, WithinWatermark: true));

    /// <summary>Writes a streaming DataFrame out as a query.</summary>
    public DataStreamWriter WriteStream => IsStreaming ? new(this)
        : throw new InvalidOperationException("'writeStream' can be called only on streaming Dataset/DataFrame.");

    /// <summary>Writes a batch DataFrame.</summary>
    public DataFrameWriter Write => !IsStreaming ? new(this)
        : throw new InvalidOperationException("'write' can not be called on streaming Dataset/DataFrame. Use WriteStream.");

    /// <summary>Runs the batch query and returns every row.</summary>
    public async Task<IReadOnlyList<Row>> CollectAsync(CancellationToken cancellationToken = default) =>
        Row.FromBatch(await CollectBatchAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>Runs the batch query and returns the number of rows.</summary>
    public async Task<long> CountAsync(CancellationToken cancellationToken = default) =>
        (await CollectBatchAsync(cancellationToken).ConfigureAwait(false)).Length;

    /// <summary>Prints the first rows as Spark's show() does.</summary>
    public async Task ShowAsync(int numRows = 20, bool truncate = true, CancellationToken cancellationToken = default) =>
        Console.Write(ConsoleFormatter.Show(await CollectBatchAsync(cancellationToken).ConfigureAwait(false), numRows, truncate));

    /// <summary>Prints the schema as a tree.</summary>
    public void PrintSchema() => Console.Write(DataTypes.ToTreeString(Schema));

    /// <summary>Prints the logical plan and the schema it resolves to.</summary>
    public void Explain() => Console.Write(ExplainString());

    /// <summary>The text <see cref="Explain"/> prints.</summary>
    public string ExplainString()
    {
        var text = new StringBuilder("== Parsed Logical Plan ==\n");
        PrintPlan(Plan, 0, text);
        text.Append("\n== Analyzed Schema ==\n").Append(DataTypes.ToTreeString(Schema));
        return text.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => $"DataFrame[{string.Join(", ", Schema.FieldsList.Select(f => $"{f.Name}: {DataTypes.ToDdl(f.DataType)}"))}]";

    internal async Task<RecordBatch> CollectBatchAsync(CancellationToken cancellationToken)
    {
        if (IsStreaming)
            throw new InvalidOperationException("Queries with streaming sources must be executed with writeStream.start(); CollectAsync is only for batch DataFrames.");
        var bytes = await Session.Grains.GetGrain<IBatchQueryGrain>(0).CollectAsync(PlanSerializer.Serialize(Plan), cancellationToken).ConfigureAwait(false);
        return ArrowIpc.Deserialize(bytes);
    }

    private DataFrame With(LogicalPlan plan) => new(Session, plan);

    internal DataFrame WithPlan(LogicalPlan plan) => With(plan);

    private static void PrintPlan(LogicalPlan plan, int depth, StringBuilder text)
    {
        text.Append(depth == 0 ? "" : new string(' ', depth * 3 - 3) + "+- ").Append(plan switch
        {
            SourceRelation s => $"{(s.IsStreaming ? "StreamingRelation" : "Relation")} {s.Format} [{string.Join(", ", s.Options.Where(o => o.Key is "path" or "name").Select(o => $"{o.Key}={o.Value}"))}]",
            LocalRelation => "LocalRelation",
            Project p => $"Project [{string.Join(", ", p.Exprs.Select(ExprSql.ToSql))}]",
            Filter f => $"Filter {ExprSql.ToSql(f.Condition)}",
            WithColumns w => $"WithColumns [{string.Join(", ", w.Names)}]",
            RenameColumn r => $"Rename {r.Existing} -> {r.NewName}",
            DropColumns d => $"Drop [{string.Join(", ", d.Names)}]",
            OrleansStream.Plan.Logical.Union => "Union",
            Aggregate a => $"Aggregate [{string.Join(", ", a.Grouping.Select(ExprSql.ToSql))}], [{string.Join(", ", a.Outputs.Select(ExprSql.ToSql))}]",
            EventTimeWatermark w => $"EventTimeWatermark {w.Column}, {w.Delay}",
            Deduplicate d => $"{(d.WithinWatermark ? "DeduplicateWithinWatermark" : "Deduplicate")} [{string.Join(", ", d.Keys)}]",
            OrleansStream.Plan.Logical.Join { UsingColumns.Count: > 0 } j => $"Join UsingJoin({j.Type.SparkName()}, [{string.Join(", ", j.UsingColumns)}])",
            OrleansStream.Plan.Logical.Join j => $"Join {j.Type.SparkName()}{(j.Condition is { } c ? ", " + ExprSql.ToSql(c) : "")}",
            SubqueryAlias a => $"SubqueryAlias {a.Alias}",
            TransformWithState t => $"TransformWithState [{string.Join(", ", t.Keys)}], {t.ProcessorType.Split(',')[0]}, {t.OutputMode}, {t.TimeMode}",
            FlatMapGroupsWithState f => $"{(f.IsMapGroupsWithState ? "MapGroupsWithState" : "FlatMapGroupsWithState")} [{string.Join(", ", f.Keys)}], {f.FunctionType.Split(',')[0]}, {f.OutputMode}, {f.Timeout}",
            _ => plan.GetType().Name,
        }).Append('\n');
        foreach (var child in plan.Children) PrintPlan(child, depth + 1, text);
    }
}
