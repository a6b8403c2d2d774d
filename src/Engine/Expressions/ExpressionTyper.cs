using System.Globalization;
using System.Text;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Analysis;
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
    public static string ToSql(Expr expr)
    {
        var sb = new StringBuilder();
        AppendSql(sb, expr);
        return sb.ToString();
    }

    private static void AppendSql(StringBuilder sb, Expr expr)
    {
        switch (expr)
        {
            case ColumnRef c:
                sb.Append(c.Name);
                break;
            case Star s:
                sb.Append(s.Qualifier is null ? "*" : s.Qualifier + ".*");
                break;
            case Literal l:
                sb.Append(LiteralSql(l));
                break;
            case Alias a:
                AppendSql(sb, a.Child);
                sb.Append(" AS ").Append(a.Name);
                break;
            case BinaryExpr b when b.Op == BinaryOp.NotEqual:
                sb.Append("(NOT (");
                AppendSql(sb, b.Left);
                sb.Append(" = ");
                AppendSql(sb, b.Right);
                sb.Append("))");
                break;
            case BinaryExpr b:
                sb.Append('(');
                AppendSql(sb, b.Left);
                sb.Append(' ').Append(OpText(b.Op)).Append(' ');
                AppendSql(sb, b.Right);
                sb.Append(')');
                break;
            case UnaryExpr u:
                switch (u.Op)
                {
                    case UnaryOp.Not: sb.Append("(NOT "); AppendSql(sb, u.Child); sb.Append(')'); break;
                    case UnaryOp.Negate: sb.Append("(- "); AppendSql(sb, u.Child); sb.Append(')'); break;
                    case UnaryOp.IsNull: sb.Append('('); AppendSql(sb, u.Child); sb.Append(" IS NULL)"); break;
                    default: sb.Append('('); AppendSql(sb, u.Child); sb.Append(" IS NOT NULL)"); break;
                }
                break;
            case CastExpr c:
                sb.Append("CAST(");
                AppendSql(sb, c.Child);
                sb.Append(" AS ").Append(CastTypeText(c.TypeName)).Append(')');
                break;
            case CaseWhen cw:
                sb.Append("CASE");
                foreach (var br in cw.Branches)
                {
                    sb.Append(" WHEN ");
                    AppendSql(sb, br.Condition);
                    sb.Append(" THEN ");
                    AppendSql(sb, br.Value);
                }
                if (cw.Else is not null)
                {
                    sb.Append(" ELSE ");
                    AppendSql(sb, cw.Else);
                }
                sb.Append(" END");
                break;
            case FunctionCall f:
            {
                var name = f.Name.ToLowerInvariant();
                sb.Append(name).Append('(');
                if (f.IsDistinct) sb.Append("DISTINCT ");
                for (var i = 0; i < f.Args.Count; i++)
                {
                    if (i > 0) sb.Append(", ");
                    if (f.Args[i] is Star { Qualifier: null } && name == "count") sb.Append('1');
                    else AppendSql(sb, f.Args[i]);
                }
                sb.Append(')');
                break;
            }
            case GetField g:
                AppendSql(sb, g.Child);
                sb.Append('.').Append(g.Field);
                break;
            default:
                sb.Append(expr);
                break;
        }
    }

    private static string CastTypeText(string typeName)
    {
        try
        {
            return DataTypes.ToDdl(ArrayFactory.ParseTypeCached(typeName)).ToUpperInvariant();
        }
        catch (FormatException)
        {
            return typeName.ToUpperInvariant();
        }
    }

    private static string LiteralSql(Literal l) => l.Value switch
    {
        null => "NULL",
        bool b => b ? "true" : "false",
        string s => s,
        DateTime dt => "TIMESTAMP '" + dt.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "'",
        DateOnly d => "DATE '" + d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "'",
        long v => v.ToString(CultureInfo.InvariantCulture) + (l.TypeName.Equals("bigint", StringComparison.OrdinalIgnoreCase) ? "L" : ""),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        var v => v.ToString() ?? "",
    };

    private static string OpText(BinaryOp op) => op switch
    {
        BinaryOp.Add => "+",
        BinaryOp.Subtract => "-",
        BinaryOp.Multiply => "*",
        BinaryOp.Divide => "/",
        BinaryOp.Modulo => "%",
        BinaryOp.Equal => "=",
        BinaryOp.NotEqual => "!=",
        BinaryOp.LessThan => "<",
        BinaryOp.LessThanOrEqual => "<=",
        BinaryOp.GreaterThan => ">",
        BinaryOp.GreaterThanOrEqual => ">=",
        BinaryOp.EqualNullSafe => "<=>",
        BinaryOp.And => "AND",
        _ => "OR",
    };

    internal static bool IsArithmetic(BinaryOp op) => op is BinaryOp.Add or BinaryOp.Subtract or BinaryOp.Multiply or BinaryOp.Divide or BinaryOp.Modulo;

    internal static bool IsComparison(BinaryOp op) => op is BinaryOp.Equal or BinaryOp.NotEqual or BinaryOp.LessThan or BinaryOp.LessThanOrEqual
        or BinaryOp.GreaterThan or BinaryOp.GreaterThanOrEqual or BinaryOp.EqualNullSafe;

    /// <summary>Type and nullability of <paramref name="expr"/>: the binder's typing, so that the schema the planner reports and
    /// the columns bound expressions compute always agree.</summary>
    internal static (IArrowType Type, bool Nullable) Infer(Expr expr, Schema schema) => ExpressionBinder.TypeOf(expr, schema);
}
