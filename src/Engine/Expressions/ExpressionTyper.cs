using System.Globalization;
using System.Text;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Engine.Types;

namespace OrleansStream.Engine.Expressions;

/// <summary>
/// Resolves expressions against a schema: the output <see cref="Field"/> (name, type, nullability) of an <see cref="Expr"/>,
/// with Spark's automatic column names ("lower(name)", "(amount * 2)", "CAST(x AS BIGINT)"; a column reference is named
/// after the last part of its path). Throws <see cref="AnalysisException"/> for unknown columns, functions or type mismatches.
/// </summary>
public static class ExpressionTyper
{
    /// <summary>The output field of <paramref name="expr"/> over <paramref name="schema"/>.</summary>
    /// <exception cref="AnalysisException">The expression does not resolve.</exception>
    public static Field Resolve(Expr expr, Schema schema)
    {
        ArgumentNullException.ThrowIfNull(expr);
        ArgumentNullException.ThrowIfNull(schema);
        var (type, nullable) = Infer(expr, schema);
        return new Field(NameOf(expr), type, nullable);
    }

    /// <summary>The data type of <paramref name="expr"/> over <paramref name="schema"/>.</summary>
    /// <exception cref="AnalysisException">The expression does not resolve.</exception>
    public static IArrowType TypeOf(Expr expr, Schema schema) => Infer(expr, schema).Type;

    /// <summary>The column name Spark gives the result of <paramref name="expr"/> when it is not aliased.</summary>
    public static string NameOf(Expr expr) => expr switch
    {
        Alias a => a.Name,
        ColumnRef c => LastPart(c.Name),
        GetField g => g.Field,
        FunctionCall f when FunctionTypes.IsGenerator(f.Name) => "col",
        Literal { Value: string s } => s,
        _ => ToSql(expr),
    };

    private static string LastPart(string name)
    {
        var parts = ColumnResolver.SplitPath(name);
        return parts.Count == 0 ? name : parts[^1];
    }

    /// <summary>Spark's SQL text of an expression as used inside generated column names: "(a + 1)", "lower(name)".</summary>
    public static string ToSql(Expr expr) => ExprSql.ToSql(expr);

    internal static bool IsArithmetic(BinaryOp op) => op is BinaryOp.Add or BinaryOp.Subtract or BinaryOp.Multiply or BinaryOp.Divide or BinaryOp.Modulo;

    internal static bool IsComparison(BinaryOp op) => op is BinaryOp.Equal or BinaryOp.NotEqual or BinaryOp.LessThan or BinaryOp.LessThanOrEqual
        or BinaryOp.GreaterThan or BinaryOp.GreaterThanOrEqual or BinaryOp.EqualNullSafe;

    /// <summary>Type and nullability of <paramref name="expr"/>.</summary>
    internal static (IArrowType Type, bool Nullable) Infer(Expr expr, Schema schema)
    {
        switch (expr)
        {
            case ColumnRef c:
            {
                var r = ColumnResolver.Resolve(schema, c.Name);
                var t = r.Field.DataType is TimestampType ? DataTypes.Timestamp : r.Field.DataType;
                return (t, r.Field.IsNullable);
            }
            case Star s:
                throw new AnalysisException($"[INVALID_USAGE_OF_STAR_OR_REGEX] Invalid usage of '{(s.Qualifier is null ? "*" : s.Qualifier + ".*")}' in expression.");
            case Literal l:
                try
                {
                    return (ArrayFactory.ParseTypeCached(l.TypeName), l.Value is null);
                }
                catch (FormatException ex)
                {
                    throw new AnalysisException($"[UNSUPPORTED_DATATYPE] Unsupported literal type \"{l.TypeName}\".", ex);
                }
            case Alias a:
                return Infer(a.Child, schema);
            case BinaryExpr b:
            {
                var l = Infer(b.Left, schema);
                var r = Infer(b.Right, schema);
                if (IsArithmetic(b.Op))
                    return (TypeCoercion.Arithmetic(b.Op, l.Type, r.Type, () => ToSql(b)), l.Nullable || r.Nullable || b.Op is BinaryOp.Divide or BinaryOp.Modulo);
                if (IsComparison(b.Op))
                {
                    if (TypeCoercion.Comparison(l.Type, r.Type) is null)
                        throw new AnalysisException(
                            $"[DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES] Cannot resolve \"{ToSql(b)}\" due to data type mismatch: the left and right operands of the binary operator have incompatible types (\"{DataTypes.ToDdl(l.Type).ToUpperInvariant()}\" and \"{DataTypes.ToDdl(r.Type).ToUpperInvariant()}\").");
                    return (BooleanType.Default, b.Op != BinaryOp.EqualNullSafe && (l.Nullable || r.Nullable));
                }
                RequireBoolean(b, b.Left, l.Type);
                RequireBoolean(b, b.Right, r.Type);
                return (BooleanType.Default, l.Nullable || r.Nullable);
            }
            case UnaryExpr u:
            {
                var c = Infer(u.Child, schema);
                switch (u.Op)
                {
                    case UnaryOp.Not:
                        RequireBoolean(u, u.Child, c.Type);
                        return (BooleanType.Default, c.Nullable);
                    case UnaryOp.Negate:
                        if (!TypeCoercion.IsNumeric(c.Type) && c.Type is not NullType)
                            throw new AnalysisException($"[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{ToSql(u)}\" due to data type mismatch: the operand requires a numeric type, however \"{ToSql(u.Child)}\" has the type \"{DataTypes.ToDdl(c.Type).ToUpperInvariant()}\".");
                        return (c.Type is NullType ? Int32Type.Default : c.Type, c.Nullable);
                    default:
                        return (BooleanType.Default, false);
                }
            }
            case CastExpr c:
            {
                var child = Infer(c.Child, schema);
                IArrowType target;
                try
                {
                    target = ArrayFactory.ParseTypeCached(c.TypeName);
                }
                catch (FormatException ex)
                {
                    throw new AnalysisException($"[UNSUPPORTED_DATATYPE] Unsupported data type \"{c.TypeName}\".", ex);
                }
                if (!TypeCoercion.CanCast(child.Type, target))
                    throw new AnalysisException(
                        $"[DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION] Cannot resolve \"{ToSql(c)}\" due to data type mismatch: cannot cast \"{DataTypes.ToDdl(child.Type).ToUpperInvariant()}\" to \"{DataTypes.ToDdl(target).ToUpperInvariant()}\".");
                var safe = DataTypes.SameType(child.Type, target) || target is StringType
                    || (TypeCoercion.IsNumeric(child.Type) && TypeCoercion.IsNumeric(target) && target is not Decimal128Type);
                return (target, child.Nullable || !safe);
            }
            case CaseWhen cw:
            {
                IArrowType t = NullType.Default;
                var nullable = cw.Else is null;
                foreach (var br in cw.Branches)
                {
                    var cond = Infer(br.Condition, schema);
                    RequireBoolean(cw, br.Condition, cond.Type);
                    var v = Infer(br.Value, schema);
                    nullable |= v.Nullable;
                    t = TypeCoercion.Common(t, v.Type) ?? throw CaseMismatch(cw, t, v.Type);
                }
                if (cw.Else is not null)
                {
                    var e = Infer(cw.Else, schema);
                    nullable |= e.Nullable;
                    t = TypeCoercion.Common(t, e.Type) ?? throw CaseMismatch(cw, t, e.Type);
                }
                return (t, nullable);
            }
            case FunctionCall f:
            {
                var args = new List<(IArrowType, bool)>(f.Args.Count);
                var name = f.Name.ToLowerInvariant();
                for (var i = 0; i < f.Args.Count; i++)
                {
                    var a = f.Args[i];
                    if (a is Star && name is "count") { args.Add((Int32Type.Default, false)); continue; }
                    args.Add(Infer(a, schema));
                }
                return FunctionTypes.Result(f, args);
            }
            case GetField g:
            {
                var c = Infer(g.Child, schema);
                if (c.Type is not StructType st)
                    throw new AnalysisException($"[INVALID_EXTRACT_BASE_FIELD_TYPE] Can't extract a value from \"{ToSql(g.Child)}\". Need a complex type [STRUCT, ARRAY, MAP] but got \"{DataTypes.ToDdl(c.Type).ToUpperInvariant()}\".");
                var k = StructFieldIndex(st, g.Field);
                if (k < 0)
                    throw new AnalysisException($"[FIELD_NOT_FOUND] No such struct field `{g.Field}` in {string.Join(", ", st.Fields.Select(x => "`" + x.Name + "`"))}.");
                var field = st.Fields[k];
                return (field.DataType is TimestampType ? DataTypes.Timestamp : field.DataType, c.Nullable || field.IsNullable);
            }
            default:
                throw new AnalysisException($"Unsupported expression {expr.GetType().Name}.");
        }
    }

    internal static int StructFieldIndex(StructType st, string name)
    {
        for (var i = 0; i < st.Fields.Count; i++)
            if (string.Equals(st.Fields[i].Name, name, StringComparison.Ordinal)) return i;
        for (var i = 0; i < st.Fields.Count; i++)
            if (string.Equals(st.Fields[i].Name, name, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }

    private static void RequireBoolean(Expr parent, Expr operand, IArrowType type)
    {
        if (type is BooleanType or NullType) return;
        throw new AnalysisException(
            $"[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{ToSql(parent)}\" due to data type mismatch: the operand \"{ToSql(operand)}\" requires the \"BOOLEAN\" type, however it has the type \"{DataTypes.ToDdl(type).ToUpperInvariant()}\".");
    }

    private static AnalysisException CaseMismatch(CaseWhen cw, IArrowType a, IArrowType b) =>
        new($"[DATATYPE_MISMATCH.DATA_DIFF_TYPES] Cannot resolve \"{ToSql(cw)}\" due to data type mismatch: Input to `casewhen` should all be the same type, but it's [\"{DataTypes.ToDdl(a).ToUpperInvariant()}\", \"{DataTypes.ToDdl(b).ToUpperInvariant()}\"].");
}
