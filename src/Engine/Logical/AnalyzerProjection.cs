using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions;

namespace OrleansStream.Engine.Logical;

/// <summary>One resolved item of a select list: a plain expression with its output field, or the generator (explode).</summary>
/// <param name="Expr">The expression (stars already expanded). For a generator, the <see cref="FunctionCall"/> itself (alias removed).</param>
/// <param name="Fields">The output field (one), or for a generator over a map the two fields key and value.</param>
/// <param name="IsGenerator">True for explode / explode_outer.</param>
internal sealed record AnalyzerProjectionItem(Expr Expr, IReadOnlyList<Field> Fields, bool IsGenerator)
{
    public bool IsOuter => IsGenerator && ((FunctionCall)Expr).Name.Equals("explode_outer", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Binding of select lists: star expansion, generators, output fields.</summary>
internal static class AnalyzerProjection
{
    /// <summary>Expands <c>*</c> and <c>q.*</c> in a select list.</summary>
    public static List<Expr> ExpandStars(IReadOnlyList<Expr> exprs, Schema input)
    {
        var result = new List<Expr>(exprs.Count);
        foreach (var e in exprs)
        {
            switch (e)
            {
                case Star { Qualifier: null }:
                    foreach (var f in input.FieldsList) result.Add(ColumnRef.ToField(f.Name));
                    break;
                case Star { Qualifier: { } q } when QualifiedBy(input, q) is { Count: > 0 } qualified:
                    // a.* where a is an alias (df.As("a")): that side's columns, before trying a struct column named a.
                    foreach (var f in qualified) result.Add(new ColumnRef(ColumnQualifiers.Quote(q) + "." + ColumnQualifiers.Quote(f.Name)));
                    break;
                case Star { Qualifier: { } q }:
                {
                    var type = ExpressionTyper.TypeOf(new ColumnRef(q), input);
                    if (type is not StructType st)
                        throw new AnalysisException($"[CANNOT_RESOLVE_STAR_EXPAND] Cannot resolve `{q}`.* given input columns {string.Join(", ", input.FieldsList.Select(f => "`" + f.Name + "`"))}.");
                    foreach (var f in st.Fields) result.Add(new GetField(new ColumnRef(q), f.Name));
                    break;
                }
                default:
                    result.Add(e);
                    break;
            }
        }
        return result;
    }

    private static List<Field> QualifiedBy(Schema input, string qualifier) =>
        input.FieldsList.Where(f => ColumnQualifiers.Qualifier(f) is { } q && string.Equals(q, qualifier, StringComparison.OrdinalIgnoreCase)).ToList();

    /// <summary>Binds a select list over <paramref name="input"/>.</summary>
    public static List<AnalyzerProjectionItem> Bind(IReadOnlyList<Expr> exprs, Schema input)
    {
        var items = new List<AnalyzerProjectionItem>();
        var generators = 0;
        foreach (var e in ExpandStars(exprs, input))
        {
            var (inner, alias) = e is Alias a ? (a.Child, a.Name) : (e, null);
            if (inner is FunctionCall f && FunctionTypes.IsGenerator(f.Name))
            {
                generators++;
                if (generators > 1)
                    throw new AnalysisException($"[UNSUPPORTED_GENERATOR.MULTI_GENERATOR] Only one generator allowed per SELECT clause but found 2: {string.Join(", ", exprs.Where(IsGeneratorItem).Select(x => "\"" + ExpressionTyper.ToSql(x) + "\""))}.");
                CheckNoNestedGenerator(f.Args);
                var type = ExpressionTyper.TypeOf(f, input);
                IReadOnlyList<Field> fields = type is StructType kv && ExpressionTyper.TypeOf(f.Args[0], input) is MapType
                    ? [new Field("key", kv.Fields[0].DataType, false), new Field("value", kv.Fields[1].DataType, true)]
                    : [new Field(alias ?? "col", type, true)];
                items.Add(new AnalyzerProjectionItem(f, fields, true));
                continue;
            }
            CheckNoNestedGenerator([e]);
            items.Add(new AnalyzerProjectionItem(e, [ExpressionTyper.Resolve(e, input)], false));
        }
        return items;
    }

    private static bool IsGeneratorItem(Expr e) => (e is Alias a ? a.Child : e) is FunctionCall f && FunctionTypes.IsGenerator(f.Name);

    private static void CheckNoNestedGenerator(IEnumerable<Expr> exprs)
    {
        foreach (var e in exprs)
        {
            if (FindGenerator(e) is { } g)
                throw new AnalysisException($"[UNSUPPORTED_GENERATOR.NESTED_IN_EXPRESSIONS] The generator is not supported: nested in expressions \"{ExpressionTyper.ToSql(g)}\".");
        }
    }

    private static FunctionCall? FindGenerator(Expr e) => e switch
    {
        FunctionCall f when FunctionTypes.IsGenerator(f.Name) => f,
        FunctionCall f => f.Args.Select(FindGenerator).FirstOrDefault(x => x is not null),
        Alias a => FindGenerator(a.Child),
        BinaryExpr b => FindGenerator(b.Left) ?? FindGenerator(b.Right),
        UnaryExpr u => FindGenerator(u.Child),
        CastExpr c => FindGenerator(c.Child),
        GetField g => FindGenerator(g.Child),
        CaseWhen cw => cw.Branches.Select(br => FindGenerator(br.Condition) ?? FindGenerator(br.Value)).FirstOrDefault(x => x is not null)
                       ?? (cw.Else is null ? null : FindGenerator(cw.Else)),
        _ => null,
    };

    /// <summary>Whether the expression contains an aggregate function call.</summary>
    public static bool ContainsAggregate(Expr e) => e switch
    {
        FunctionCall f => FunctionTypes.IsAggregate(f.Name) || f.Args.Any(ContainsAggregate),
        Alias a => ContainsAggregate(a.Child),
        BinaryExpr b => ContainsAggregate(b.Left) || ContainsAggregate(b.Right),
        UnaryExpr u => ContainsAggregate(u.Child),
        CastExpr c => ContainsAggregate(c.Child),
        GetField g => ContainsAggregate(g.Child),
        CaseWhen cw => cw.Branches.Any(br => ContainsAggregate(br.Condition) || ContainsAggregate(br.Value)) || (cw.Else is not null && ContainsAggregate(cw.Else)),
        _ => false,
    };

    /// <summary>The select list equivalent to withColumns over <paramref name="input"/>.</summary>
    public static List<Expr> WithColumnsList(WithColumns node, Schema input)
    {
        if (node.Names.Count != node.Exprs.Count)
            throw new AnalysisException($"withColumns needs as many names as expressions ({node.Names.Count} names, {node.Exprs.Count} expressions).");
        var list = new List<Expr>();
        var used = new bool[node.Names.Count];
        foreach (var f in input.FieldsList)
        {
            var k = -1;
            for (var j = node.Names.Count - 1; j >= 0; j--)
                if (string.Equals(node.Names[j], f.Name, StringComparison.OrdinalIgnoreCase)) { k = j; break; }
            if (k >= 0)
            {
                list.Add(new Alias(node.Exprs[k], node.Names[k]));
                for (var j = 0; j < node.Names.Count; j++)
                    if (string.Equals(node.Names[j], f.Name, StringComparison.OrdinalIgnoreCase)) used[j] = true;
            }
            else list.Add(ColumnRef.ToField(f.Name));
        }
        for (var j = 0; j < node.Names.Count; j++)
        {
            if (used[j]) continue;
            var later = false;
            for (var m = j + 1; m < node.Names.Count; m++)
                if (string.Equals(node.Names[m], node.Names[j], StringComparison.OrdinalIgnoreCase)) later = true;
            if (!later) list.Add(new Alias(node.Exprs[j], node.Names[j]));
        }
        return list;
    }

    /// <summary>The select list for withColumnRenamed, or null when the column is absent (no-op).</summary>
    public static List<Expr>? RenameList(RenameColumn node, Schema input)
    {
        if (!input.FieldsList.Any(f => string.Equals(f.Name, node.Existing, StringComparison.OrdinalIgnoreCase))) return null;
        return input.FieldsList.Select(f => string.Equals(f.Name, node.Existing, StringComparison.OrdinalIgnoreCase)
            ? (Expr)new Alias(ColumnRef.ToField(f.Name), node.NewName)
            : ColumnRef.ToField(f.Name)).ToList();
    }

    /// <summary>The select list for drop, or null when nothing is dropped (no-op).</summary>
    public static List<Expr>? DropList(DropColumns node, Schema input)
    {
        var keep = input.FieldsList.Where(f => !node.Names.Any(n => string.Equals(n, f.Name, StringComparison.OrdinalIgnoreCase))).ToList();
        if (keep.Count == input.FieldsList.Count) return null;
        return keep.Select(f => (Expr)ColumnRef.ToField(f.Name)).ToList();
    }

    /// <summary>Checks that a filter condition is boolean.</summary>
    public static void CheckFilter(Expr condition, Schema input)
    {
        var type = ExpressionTyper.TypeOf(condition, input);
        if (type is BooleanType or NullType) return;
        var sql = ExpressionTyper.ToSql(condition);
        throw new AnalysisException(
            $"[DATATYPE_MISMATCH.FILTER_NOT_BOOLEAN] Cannot resolve \"{sql}\" due to data type mismatch: filter expression '{sql}' of type {DataTypes.ToDdl(type)} is not a boolean.");
    }

    /// <summary>The output schema of a UNION ALL: names from the left, types widened per position, nullable if either is.</summary>
    public static Schema UnionSchema(Schema left, Schema right)
    {
        var l = left.FieldsList;
        var r = right.FieldsList;
        if (l.Count != r.Count)
            throw new AnalysisException(
                $"[NUM_COLUMNS_MISMATCH] UNION can only be performed on inputs with the same number of columns, but the first input has {l.Count} columns and the second input has {r.Count} columns.");
        var fields = new List<Field>(l.Count);
        for (var i = 0; i < l.Count; i++)
        {
            var t = TypeCoercion.Common(l[i].DataType, r[i].DataType)
                ?? throw new AnalysisException(
                    $"[INCOMPATIBLE_COLUMN_TYPE] UNION can only be performed on inputs with compatible column types. The {Ordinal(i + 1)} column of the second table is \"{DataTypes.ToDdl(r[i].DataType).ToUpperInvariant()}\" type which is not compatible with \"{DataTypes.ToDdl(l[i].DataType).ToUpperInvariant()}\" at the same column of the first table.");
            fields.Add(new Field(l[i].Name, t, l[i].IsNullable || r[i].IsNullable));
        }
        return new Schema(fields, null);
    }

    private static string Ordinal(int n) => n switch
    {
        1 => "first",
        2 => "second",
        3 => "third",
        _ => n.ToString(System.Globalization.CultureInfo.InvariantCulture) + "th",
    };

    /// <summary>The schema held in a local relation's Arrow IPC stream.</summary>
    public static Schema LocalSchema(LocalRelation local)
    {
        using var reader = new Apache.Arrow.Ipc.ArrowStreamReader(new MemoryStream(local.ArrowIpc, writable: false));
        return reader.Schema;
    }
}
