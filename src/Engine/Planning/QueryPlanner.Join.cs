using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Operators.Projection;
using OrleansStream.Engine.Planning.Physical;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Planning;

public static partial class QueryPlanner
{
    // A join is a keyed stage with two inputs: every stage ending in the left side feeds input 0, the right side input 1,
    // each hashed to key groups on its key columns. The condition is split as Spark's ExtractEquiJoinKeys does: conjuncts
    // `l = r` / `l <=> r` with one side on each side of the join are the keys, the rest is the residual predicate. Keys that
    // are not plain columns of the common type are computed by a projection on their side; the join's output then drops
    // them again.
    private static Flow BuildJoin(Join j, Context ctx)
    {
        var left = Build(j.Left, ctx);
        var right = Build(j.Right, ctx);
        var nl = left.Schema.FieldsList.Count;
        var nr = right.Schema.FieldsList.Count;
        var combined = new Schema([.. left.Schema.FieldsList, .. right.Schema.FieldsList], null);
        var inner = new Schema([.. Internal(left.Schema, "__l").FieldsList, .. Internal(right.Schema, "__r").FieldsList], null);

        Expr? condition;
        var usingPairs = new List<(int Left, int Right)>();
        if (j.UsingColumns.Count > 0)
        {
            if (j.Condition is not null) throw new ArgumentException("A join takes using columns or a condition, not both.");
            foreach (var name in j.UsingColumns)
                usingPairs.Add((UsingColumn(left.Schema, name, "left"), UsingColumn(right.Schema, name, "right")));
            condition = usingPairs.Select(p => (Expr)new BinaryExpr(BinaryOp.Equal, new ColumnRef($"__l{p.Left}"), new ColumnRef($"__r{p.Right}")))
                .Aggregate((a, b) => new BinaryExpr(BinaryOp.And, a, b));
            // Spark's using join compares the key columns with =: their types must meet as a comparison's.
            for (var k = 0; k < usingPairs.Count; k++)
            {
                var lt = left.Schema.FieldsList[usingPairs[k].Left].DataType;
                var rt = right.Schema.FieldsList[usingPairs[k].Right].DataType;
                if (TypeCoercion.Comparison(lt, rt) is null)
                    throw IncomparableKeys(new BinaryExpr(BinaryOp.Equal, new ColumnRef(j.UsingColumns[k]), new ColumnRef(j.UsingColumns[k])), lt, rt);
            }
        }
        else if (j.Condition is { } on)
        {
            // Typed over the columns as users name them, so that an unknown, ambiguous or mistyped column is reported in
            // their words; then rewritten to the sides' positions.
            var type = ExpressionTyper.TypeOf(on, combined);
            if (type is not (BooleanType or NullType))
                throw new AnalysisException(
                    $"[JOIN_CONDITION_IS_NOT_BOOLEAN_TYPE] The join condition `{ExpressionTyper.ToSql(on)}` has the invalid type \"{DataTypes.ToDdl(type).ToUpperInvariant()}\", expected \"BOOLEAN\".");
            condition = ToSides(on, combined, nl);
        }
        else condition = null;

        // Keys and residual.
        var keyPairs = new List<(Expr Left, Expr Right, bool NullSafe)>();
        var residual = new List<Expr>();
        foreach (var conjunct in condition is null ? [] : ExprTree.Conjuncts(condition))
        {
            if (conjunct is BinaryExpr { Op: BinaryOp.Equal or BinaryOp.EqualNullSafe } eq)
            {
                var a = Sides(eq.Left);
                var b = Sides(eq.Right);
                if (a == Side.Left && b == Side.Right) { keyPairs.Add((eq.Left, eq.Right, eq.Op == BinaryOp.EqualNullSafe)); continue; }
                if (a == Side.Right && b == Side.Left) { keyPairs.Add((eq.Right, eq.Left, eq.Op == BinaryOp.EqualNullSafe)); continue; }
            }
            residual.Add(conjunct);
        }

        var leftKeys = new List<int>();
        var rightKeys = new List<int>();
        var leftExtra = new List<Expr>();
        var rightExtra = new List<Expr>();
        foreach (var (l, r, _) in keyPairs)
        {
            var lt = ExpressionTyper.TypeOf(l, inner);
            var rt = ExpressionTyper.TypeOf(r, inner);
            var common = TypeCoercion.Comparison(lt, rt) ?? throw IncomparableKeys(new BinaryExpr(BinaryOp.Equal, l, r), lt, rt);
            leftKeys.Add(KeyColumn(l, lt, common, "__l", nl, leftExtra));
            rightKeys.Add(KeyColumn(r, rt, common, "__r", nr, rightExtra));
        }
        var leftEventTime = EventTimeColumn(left);
        var rightEventTime = EventTimeColumn(right);
        var eventTime = new Dictionary<string, long>(left.EventTime.Count + right.EventTime.Count);
        foreach (var (name, delay) in left.EventTime) eventTime.TryAdd(name, delay);
        if (!j.Type.OutputsLeftOnly())
            foreach (var (name, delay) in right.EventTime) eventTime.TryAdd(name, delay);
        if (leftExtra.Count > 0) left = WithKeyColumns(left, "__l", leftExtra);
        if (rightExtra.Count > 0) right = WithKeyColumns(right, "__r", rightExtra);

        var leftKind = IsStatic(j.Left) ? JoinInputKind.Static : JoinInputKind.Stream;
        var rightKind = IsStatic(j.Right) ? JoinInputKind.Static : JoinInputKind.Stream;
        // Qualifiers served resolution only: the operator (and the rows it keeps in state) sees plain columns.
        var spec = new JoinOperatorSpec(j.Type, ColumnQualifiers.Strip(left.Schema), ColumnQualifiers.Strip(right.Schema), leftKeys, rightKeys, keyPairs.Select(k => k.NullSafe).ToList(),
            residual.Count == 0 ? null : residual.Aggregate((a, b) => new BinaryExpr(BinaryOp.And, a, b)),
            leftKind, rightKind, leftEventTime, rightEventTime);

        var keyed = new Segment { Operator = spec };
        foreach (var tail in left.Tails)
        {
            tail.Outputs.Add((keyed, 0));
            keyed.Inputs.Add((tail, 0));
        }
        foreach (var tail in right.Tails)
        {
            tail.Outputs.Add((keyed, 1));
            keyed.Inputs.Add((tail, 1));
        }
        ctx.Keyed.Add(keyed);
        ctx.Kinds.Add(j);

        // Event-time columns of both sides stay marked, by their names in the join's output.
        var joined = new Flow([keyed], spec.StateOutputSchema, eventTime) { MultipleEventTimes = true };
        return JoinOutput(j, joined, spec, combined, nl, nr, usingPairs);
    }

    // The join's output as users see it: Spark's column order (using columns first, once), the sides' names and
    // qualifiers, computed key columns dropped.
    private static Flow JoinOutput(Join j, Flow joined, JoinOperatorSpec spec, Schema combined, int nl, int nr, List<(int Left, int Right)> usingPairs)
    {
        // The operator's output is the sides' rows side by side (left only for semi and anti): left columns start at 0, right
        // columns right after the left side's (computed keys included).
        var state = spec.StateOutputSchema;
        var leftWidth = spec.InputSchemas[0].FieldsList.Count;
        var exprs = new List<Expr>();
        var carried = new List<Field?>();
        var internalNames = new List<Field>(state.FieldsList.Count);
        for (var i = 0; i < state.FieldsList.Count; i++)
        {
            var f = state.FieldsList[i];
            internalNames.Add(new Field(i < leftWidth ? $"__l{i}" : $"__r{i - leftWidth}", f.DataType, f.IsNullable));
        }
        var internalSchema = new Schema(internalNames, null);
        var usedLeft = new HashSet<int>(usingPairs.Select(p => p.Left));
        var usedRight = new HashSet<int>(usingPairs.Select(p => p.Right));
        foreach (var (l, r) in usingPairs)
        {
            var lf = combined.FieldsList[l];
            var rf = combined.FieldsList[nl + r];
            switch (j.Type)
            {
                case JoinType.RightOuter:
                    exprs.Add(new Alias(new ColumnRef($"__r{r}"), rf.Name));
                    carried.Add(rf);
                    break;
                case JoinType.FullOuter:
                {
                    var common = TypeCoercion.Comparison(lf.DataType, rf.DataType)!;
                    var ddl = DataTypes.ToDdl(common);
                    exprs.Add(new Alias(new FunctionCall("coalesce", [new CastExpr(new ColumnRef($"__l{l}"), ddl), new CastExpr(new ColumnRef($"__r{r}"), ddl)]), lf.Name));
                    carried.Add(null);
                    break;
                }
                default:
                    exprs.Add(new Alias(new ColumnRef($"__l{l}"), lf.Name));
                    // In an inner join both sides' keys hold the same value: the right DataFrame's Col names it too (Spark
                    // keeps the right key as a hidden column for that).
                    carried.Add(j.Type is JoinType.Inner ? ColumnQualifiers.WithPlanIdsOf(lf, rf) : lf);
                    break;
            }
        }
        for (var i = 0; i < nl; i++)
        {
            if (usedLeft.Contains(i)) continue;
            exprs.Add(new Alias(new ColumnRef($"__l{i}"), combined.FieldsList[i].Name));
            carried.Add(combined.FieldsList[i]);
        }
        if (!j.Type.OutputsLeftOnly())
            for (var i = 0; i < nr; i++)
            {
                if (usedRight.Contains(i)) continue;
                exprs.Add(new Alias(new ColumnRef($"__r{i}"), combined.FieldsList[nl + i].Name));
                carried.Add(combined.FieldsList[nl + i]);
            }

        var identity = usingPairs.Count == 0 && exprs.Count == state.FieldsList.Count
            && state.FieldsList.Select(f => f.Name).SequenceEqual(exprs.Select(e => ((Alias)e).Name), StringComparer.Ordinal);
        Schema visible;
        var flow = joined;
        if (identity)
            visible = state;
        else
        {
            var project = new ProjectOperator(exprs, internalSchema);
            flow = joined.Append(project);
            visible = project.OutputSchema;
        }
        // Qualifiers come back with the columns they belong to (planning only: names and positions are the batches').
        var fields = new List<Field>(visible.FieldsList.Count);
        for (var i = 0; i < visible.FieldsList.Count; i++)
        {
            var f = visible.FieldsList[i];
            fields.Add(carried[i] is { } from ? ColumnQualifiers.Keep(from, f.Name, f.DataType, f.IsNullable) : f);
        }
        return flow with { Schema = new Schema(fields, null) };
    }

    private static AnalysisException IncomparableKeys(BinaryExpr eq, IArrowType left, IArrowType right) => new(
        $"[DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES] Cannot resolve \"{ExpressionTyper.ToSql(eq)}\" due to data type mismatch: the left and right operands of the binary operator have incompatible types (\"{DataTypes.ToDdl(left).ToUpperInvariant()}\" and \"{DataTypes.ToDdl(right).ToUpperInvariant()}\").");

    private static int UsingColumn(Schema side, string name, string which)
    {
        var r = ColumnResolver.TryResolve(side, name);
        if (r is { FieldPath.Length: 0 }) return r.ColumnIndex;
        throw new AnalysisException(
            $"[UNRESOLVED_USING_COLUMN_FOR_JOIN] USING column `{name}` cannot be resolved on the {which} side of the join. The {which}-side columns: [{string.Join(", ", side.FieldsList.Select(f => "`" + f.Name + "`"))}].");
    }

    /// <summary>Whether no leaf under <paramref name="plan"/> is a stream: the side is read whole (a batch table).</summary>
    internal static bool IsStatic(LogicalPlan plan) => !plan.Leaves().Any(l => l is SourceRelation { IsStreaming: true });

    private static Schema Internal(Schema schema, string prefix) =>
        new(schema.FieldsList.Select((f, i) => new Field($"{prefix}{i}", f.DataType, f.IsNullable)), null);

    // Rewrites every column reference of a condition resolved over both sides to __l{i} / __r{j} (struct paths kept).
    private static Expr ToSides(Expr e, Schema combined, int nl) => e switch
    {
        ColumnRef c => SideRef(c, combined, nl),
        Alias a => a with { Child = ToSides(a.Child, combined, nl) },
        BinaryExpr b => b with { Left = ToSides(b.Left, combined, nl), Right = ToSides(b.Right, combined, nl) },
        UnaryExpr u => u with { Child = ToSides(u.Child, combined, nl) },
        CastExpr c => c with { Child = ToSides(c.Child, combined, nl) },
        GetField g => g with { Child = ToSides(g.Child, combined, nl) },
        FunctionCall f => f with { Args = f.Args.Select(x => ToSides(x, combined, nl)).ToArray() },
        CaseWhen cw => new CaseWhen(cw.Branches.Select(br => new CaseBranch(ToSides(br.Condition, combined, nl), ToSides(br.Value, combined, nl))).ToArray(),
            cw.Else is null ? null : ToSides(cw.Else, combined, nl)),
        _ => e,
    };

    private static Expr SideRef(ColumnRef c, Schema combined, int nl)
    {
        var r = ColumnResolver.Resolve(combined, c);
        Expr result = new ColumnRef(r.ColumnIndex < nl ? $"__l{r.ColumnIndex}" : $"__r{r.ColumnIndex - nl}");
        var type = combined.FieldsList[r.ColumnIndex].DataType;
        foreach (var k in r.FieldPath)
        {
            var field = ((StructType)type).Fields[k];
            result = new GetField(result, field.Name);
            type = field.DataType;
        }
        return result;
    }

    [Flags]
    private enum Side { None = 0, Left = 1, Right = 2, Both = 3 }

    private static Side Sides(Expr e) => e switch
    {
        ColumnRef c => c.Name.StartsWith("__l", StringComparison.Ordinal) ? Side.Left : Side.Right,
        Alias a => Sides(a.Child),
        BinaryExpr b => Sides(b.Left) | Sides(b.Right),
        UnaryExpr u => Sides(u.Child),
        CastExpr c => Sides(c.Child),
        GetField g => Sides(g.Child),
        FunctionCall f => f.Args.Aggregate(Side.None, (s, x) => s | Sides(x)),
        CaseWhen cw => cw.Branches.Aggregate(cw.Else is null ? Side.None : Sides(cw.Else), (s, br) => s | Sides(br.Condition) | Sides(br.Value)),
        _ => Side.None,
    };

    // A key that is a plain column of the common type is that column; any other is computed (cast to the common type, as
    // Spark's coercion of the equality does) into a column appended to its side.
    private static int KeyColumn(Expr key, IArrowType type, IArrowType common, string prefix, int width, List<Expr> extra)
    {
        var same = DataTypes.SameType(type, common) && type.TypeId == common.TypeId;
        if (same && key is ColumnRef c && c.Name.StartsWith(prefix, StringComparison.Ordinal)
            && int.TryParse(c.Name.AsSpan(prefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index))
            return index;
        extra.Add(same ? key : new CastExpr(key, DataTypes.ToDdl(common)));
        return width + extra.Count - 1;
    }

    private static Flow WithKeyColumns(Flow side, string prefix, List<Expr> extra)
    {
        var input = Internal(side.Schema, prefix);
        var exprs = new List<Expr>(input.FieldsList.Count + extra.Count);
        for (var i = 0; i < input.FieldsList.Count; i++) exprs.Add(new Alias(new ColumnRef($"{prefix}{i}"), side.Schema.FieldsList[i].Name));
        for (var k = 0; k < extra.Count; k++) exprs.Add(new Alias(extra[k], $"{prefix}key{k}"));
        // The side's columns keep their positions and names (the internal names only serve the projection bound here;
        // event-time columns were found before).
        return (side with { Schema = input }).Append(new ProjectOperator(exprs, input));
    }

    private static int? EventTimeColumn(Flow side)
    {
        foreach (var name in side.EventTime.Keys)
            if (ColumnResolver.IndexOf(side.Schema, name) is var i and >= 0) return i;
        return null;
    }
}
