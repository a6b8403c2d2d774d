using Apache.Arrow;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.Operators.Filter;
using OrleansStream.Engine.Operators.Generate;
using OrleansStream.Engine.Operators.Projection;
using OrleansStream.Engine.Types;

namespace OrleansStream.Engine.Planning;

/// <summary>
/// Plans the stateless part of a query: one pipeline of operators per leaf (source or local relation), following the
/// leaf's path to the root. Project/WithColumns/Rename/Drop compile to projections, Filter to a filter, explode to a
/// generate; a Union passes batches through, each branch cast and renamed to the union's schema.
/// </summary>
public static class StatelessPlanner
{
    /// <summary>Plans <paramref name="root"/>; <paramref name="sourceSchema"/> gives each source's schema.</summary>
    /// <exception cref="AnalysisException">The plan does not resolve.</exception>
    /// <exception cref="NotSupportedException">A node cannot run statelessly (the message names it).</exception>
    public static PhysicalPlan Plan(LogicalPlan root, Func<SourceRelation, Schema> sourceSchema)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(sourceSchema);
        var localCounter = 0;
        var (pipelines, schema) = Build(root, sourceSchema, ref localCounter);
        return new PhysicalPlan(schema, pipelines.Select(p => new SourcePipeline(p.LeafId, p.Leaf, p.InputSchema, p.Operators)).ToList());
    }

    private sealed record Partial(string LeafId, LogicalPlan Leaf, Schema InputSchema, List<IBatchOperator> Operators);

    private static (List<Partial> Pipelines, Schema Schema) Build(LogicalPlan node, Func<SourceRelation, Schema> sourceSchema, ref int localCounter)
    {
        switch (node)
        {
            case SourceRelation s:
            {
                var schema = sourceSchema(s);
                return ([new Partial(s.SourceId, s, schema, [])], schema);
            }
            case LocalRelation l:
            {
                var schema = AnalyzerProjection.LocalSchema(l);
                return ([new Partial($"local:{localCounter++}", l, schema, [])], schema);
            }
            case Project p:
            {
                var (pipes, input) = Build(p.Child, sourceSchema, ref localCounter);
                return Append(pipes, Projection(p, p.Exprs, input));
            }
            case Logical.Filter f:
            {
                var (pipes, input) = Build(f.Child, sourceSchema, ref localCounter);
                return Append(pipes, new FilterOperator(f.Condition, input));
            }
            case WithColumns w:
            {
                var (pipes, input) = Build(w.Child, sourceSchema, ref localCounter);
                return Append(pipes, Projection(w, AnalyzerProjection.WithColumnsList(w, input), input));
            }
            case RenameColumn r:
            {
                var (pipes, input) = Build(r.Child, sourceSchema, ref localCounter);
                var list = AnalyzerProjection.RenameList(r, input);
                return list is null ? (pipes, input) : Append(pipes, Projection(r, list, input));
            }
            case DropColumns d:
            {
                var (pipes, input) = Build(d.Child, sourceSchema, ref localCounter);
                var list = AnalyzerProjection.DropList(d, input);
                return list is null ? (pipes, input) : Append(pipes, Projection(d, list, input));
            }
            case Union u:
            {
                var (left, ls) = Build(u.Left, sourceSchema, ref localCounter);
                var (right, rs) = Build(u.Right, sourceSchema, ref localCounter);
                var schema = AnalyzerProjection.UnionSchema(ls, rs);
                Align(left, ls, schema);
                Align(right, rs, schema);
                return ([.. left, .. right], schema);
            }
            default:
                throw new NotSupportedException($"The stateless planner cannot run {node.GetType().Name} nodes.");
        }
    }

    private static IBatchOperator Projection(LogicalPlan node, IReadOnlyList<Expr> exprs, Schema input)
    {
        var aggregate = exprs.FirstOrDefault(AnalyzerProjection.ContainsAggregate);
        if (aggregate is not null)
            throw new NotSupportedException(
                $"The stateless planner cannot run {node.GetType().Name} with the aggregate expression \"{ExpressionTyper.ToSql(aggregate)}\"; use groupBy(...).agg(...).");
        var items = AnalyzerProjection.Bind(exprs, input);
        return items.Any(i => i.IsGenerator) ? new GenerateOperator(exprs, input) : new ProjectOperator(exprs, input);
    }

    private static (List<Partial>, Schema) Append(List<Partial> pipes, IBatchOperator op)
    {
        foreach (var p in pipes) p.Operators.Add(op);
        return (pipes, op.OutputSchema);
    }

    private static void Align(List<Partial> pipes, Schema from, Schema to)
    {
        if (SameSchema(from, to)) return;
        var op = new SchemaAlignOperator(to);
        foreach (var p in pipes) p.Operators.Add(op);
    }

    private static bool SameSchema(Schema a, Schema b)
    {
        if (a.FieldsList.Count != b.FieldsList.Count) return false;
        for (var i = 0; i < a.FieldsList.Count; i++)
        {
            var x = a.FieldsList[i];
            var y = b.FieldsList[i];
            if (x.Name != y.Name || x.IsNullable != y.IsNullable || !DataTypes.SameType(x.DataType, y.DataType)
                || x.DataType.TypeId != y.DataType.TypeId) return false;
        }
        return true;
    }
}
