using Apache.Arrow;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Logical;

namespace OrleansStream.Engine.Planning;

/// <summary>
/// Spark's ColumnPruning for sources: walks a resolved plan from the root and computes, for each source, the top-level
/// columns the query reads. Anything it cannot prove unused is kept: a column is dropped only when no node above the source
/// can observe it (not through a needed output of a projection, a filter, a grouping or aggregate, a watermark, a
/// deduplication, nor the number of rows a generator yields). The plan itself is not rewritten: a pruned read fills the
/// unread columns with nulls (<see cref="Physical.SourcePipeline"/>), so every operator keeps its schema, and with it union
/// positions and state layouts.
/// </summary>
internal static class ColumnPruning
{
    /// <summary>
    /// The columns each source must produce, by <see cref="SourceRelation.SourceId"/> (names as in the source schema). A
    /// source read more than once (a self-union) gets the union of what each read needs.
    /// </summary>
    /// <param name="root">The plan.</param>
    /// <param name="outputSchema">The output schema of every node of <paramref name="root"/>, as planned without pruning.</param>
    public static Dictionary<string, HashSet<string>> RequiredColumns(LogicalPlan root, Func<LogicalPlan, Schema> outputSchema)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(outputSchema);
        var result = new Dictionary<string, HashSet<string>>();
        // The root's every column is the query's result.
        Visit(root, All(outputSchema(root)), outputSchema, result);
        return result;
    }

    private static bool[] All(Schema schema) => Enumerable.Repeat(true, schema.FieldsList.Count).ToArray();

    private static void Visit(LogicalPlan node, bool[] need, Func<LogicalPlan, Schema> schemaOf, Dictionary<string, HashSet<string>> result)
    {
        switch (node)
        {
            case SourceRelation s:
            {
                var schema = schemaOf(s);
                if (!result.TryGetValue(s.SourceId, out var set)) result[s.SourceId] = set = new HashSet<string>(StringComparer.Ordinal);
                for (var i = 0; i < need.Length; i++)
                    if (need[i]) set.Add(schema.FieldsList[i].Name);
                return;
            }
            case LocalRelation:
                return;
            case Project p:
                Visit(p.Child, ProjectionNeed(p.Exprs, schemaOf(p.Child), need), schemaOf, result);
                return;
            case WithColumns w:
            {
                var input = schemaOf(w.Child);
                Visit(w.Child, ProjectionNeed(AnalyzerProjection.WithColumnsList(w, input), input, need), schemaOf, result);
                return;
            }
            case RenameColumn r:
            {
                var input = schemaOf(r.Child);
                var list = AnalyzerProjection.RenameList(r, input);
                Visit(r.Child, list is null ? need : ProjectionNeed(list, input, need), schemaOf, result);
                return;
            }
            case DropColumns d:
            {
                var input = schemaOf(d.Child);
                var list = AnalyzerProjection.DropList(d, input);
                Visit(d.Child, list is null ? need : ProjectionNeed(list, input, need), schemaOf, result);
                return;
            }
            case Filter f:
            {
                var childNeed = (bool[])need.Clone();
                AddReferences(f.Condition, schemaOf(f.Child), childNeed);
                Visit(f.Child, childNeed, schemaOf, result);
                return;
            }
            case EventTimeWatermark w:
            {
                var input = schemaOf(w.Child);
                var childNeed = (bool[])need.Clone();
                AddReferences(new ColumnRef(w.Column), input, childNeed);
                Visit(w.Child, childNeed, schemaOf, result);
                return;
            }
            case Union u:
                // By position: the union's i-th column is each side's i-th column.
                Visit(u.Left, (bool[])need.Clone(), schemaOf, result);
                Visit(u.Right, (bool[])need.Clone(), schemaOf, result);
                return;
            case Aggregate a:
            {
                // Every grouping and output expression reads its columns whether or not the result is used: the groups decide the rows.
                var input = schemaOf(a.Child);
                var childNeed = new bool[input.FieldsList.Count];
                foreach (var e in a.Grouping.Concat(a.Outputs)) AddReferences(e, input, childNeed);
                Visit(a.Child, childNeed, schemaOf, result);
                return;
            }
            case SubqueryAlias a:
                Visit(a.Child, need, schemaOf, result);
                return;
            case Join j:
                VisitJoin(j, need, schemaOf, result);
                return;
            case Deduplicate d:
                // As Spark: deduplication keeps (and its state stores) whole input rows, so it keeps every input column.
                Visit(d.Child, All(schemaOf(d.Child)), schemaOf, result);
                return;
            default:
                foreach (var child in node.Children) Visit(child, All(schemaOf(child)), schemaOf, result);
                return;
        }
    }

    // A join needs the columns of each side that its output passes on and that its condition (or using columns) reads.
    private static void VisitJoin(Join j, bool[] need, Func<LogicalPlan, Schema> schemaOf, Dictionary<string, HashSet<string>> result)
    {
        var left = schemaOf(j.Left);
        var right = schemaOf(j.Right);
        var nl = left.FieldsList.Count;
        var nr = right.FieldsList.Count;
        var leftNeed = new bool[nl];
        var rightNeed = new bool[nr];
        var leftOnly = j.Type.OutputsLeftOnly();
        if (j.UsingColumns.Count > 0)
        {
            var leftKeys = new HashSet<int>();
            var rightKeys = new HashSet<int>();
            foreach (var name in j.UsingColumns)
            {
                if (ColumnResolver.TryResolve(left, name) is { } l && leftKeys.Add(l.ColumnIndex)) leftNeed[l.ColumnIndex] = true;
                if (ColumnResolver.TryResolve(right, name) is { } r && rightKeys.Add(r.ColumnIndex)) rightNeed[r.ColumnIndex] = true;
            }
            // Output: the using columns, then the left side's other columns, then the right side's.
            var position = leftKeys.Count;
            for (var i = 0; i < nl; i++)
                if (!leftKeys.Contains(i)) leftNeed[i] |= position < need.Length && need[position++];
            if (!leftOnly)
                for (var i = 0; i < nr; i++)
                    if (!rightKeys.Contains(i)) rightNeed[i] |= position < need.Length && need[position++];
        }
        else
        {
            for (var i = 0; i < nl && i < need.Length; i++) leftNeed[i] = need[i];
            if (!leftOnly)
                for (var i = 0; i < nr && nl + i < need.Length; i++) rightNeed[i] = need[nl + i];
            if (j.Condition is { } condition)
            {
                var both = new bool[nl + nr];
                AddReferences(condition, new Schema([.. left.FieldsList, .. right.FieldsList], null), both);
                for (var i = 0; i < nl; i++) leftNeed[i] |= both[i];
                for (var i = 0; i < nr; i++) rightNeed[i] |= both[nl + i];
            }
        }
        Visit(j.Left, leftNeed, schemaOf, result);
        Visit(j.Right, rightNeed, schemaOf, result);
    }

    // A select list: an output column that is needed needs the columns its expression reads; a generator always counts,
    // because it decides how many rows there are.
    private static bool[] ProjectionNeed(IReadOnlyList<Expr> exprs, Schema input, bool[] need)
    {
        var childNeed = new bool[input.FieldsList.Count];
        var items = AnalyzerProjection.Bind(exprs, input);
        if (items.Sum(i => i.Fields.Count) != need.Length)
        {
            foreach (var item in items) AddReferences(item.Expr, input, childNeed);
            return childNeed;
        }
        var position = 0;
        foreach (var item in items)
        {
            var used = item.IsGenerator;
            for (var k = 0; k < item.Fields.Count; k++) used |= need[position + k];
            position += item.Fields.Count;
            if (used) AddReferences(item.Expr, input, childNeed);
        }
        return childNeed;
    }

    // Marks the top-level columns of input that e reads. A name that does not resolve here (an alias of the same
    // aggregation, an internal name) marks every column: keeping too much is only slower.
    private static void AddReferences(Expr e, Schema input, bool[] need)
    {
        switch (e)
        {
            case ColumnRef c:
                if (ColumnResolver.TryResolve(input, c) is { } r) need[r.ColumnIndex] = true;
                else System.Array.Fill(need, true);
                return;
            case Star { Qualifier: null }:
                System.Array.Fill(need, true);
                return;
            case Star { Qualifier: { } q }:
                AddReferences(new ColumnRef(q), input, need);
                return;
            case Literal:
                return;
            case Alias a:
                AddReferences(a.Child, input, need);
                return;
            case BinaryExpr b:
                AddReferences(b.Left, input, need);
                AddReferences(b.Right, input, need);
                return;
            case UnaryExpr u:
                AddReferences(u.Child, input, need);
                return;
            case CastExpr c:
                AddReferences(c.Child, input, need);
                return;
            case GetField g:
                AddReferences(g.Child, input, need);
                return;
            case CaseWhen cw:
                foreach (var branch in cw.Branches)
                {
                    AddReferences(branch.Condition, input, need);
                    AddReferences(branch.Value, input, need);
                }
                if (cw.Else is not null) AddReferences(cw.Else, input, need);
                return;
            case FunctionCall { Name: var n, Args: [Star { Qualifier: null }] } when n.Equals("count", StringComparison.OrdinalIgnoreCase):
                // count(*) counts rows and reads no column.
                return;
            case FunctionCall f:
                foreach (var arg in f.Args) AddReferences(arg, input, need);
                return;
            default:
                System.Array.Fill(need, true);
                return;
        }
    }
}
