using System.Globalization;
using System.Text;
using OrleansStream.Plan.Types;

namespace OrleansStream.Plan.Expressions;

/// <summary>
/// Spark's SQL text of an unresolved expression: generated column names ("(a + 1)", "lower(name)"), explain output and
/// error messages. Needs no schema, so the client prints expressions without the engine.
/// </summary>
public static class ExprSql
{
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
            return DataTypes.ToDdl(DataTypes.ParseType(typeName)).ToUpperInvariant();
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
        long v when l.TypeName.StartsWith("interval", StringComparison.OrdinalIgnoreCase) => IntervalSql(v),
        long v => v.ToString(CultureInfo.InvariantCulture) + (l.TypeName.Equals("bigint", StringComparison.OrdinalIgnoreCase) ? "L" : ""),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        var v => v.ToString() ?? "",
    };

    // Spark's text of a day-time interval literal: INTERVAL '0 01:30:00' DAY TO SECOND.
    private static string IntervalSql(long micros)
    {
        var t = TimeSpan.FromTicks(Math.Abs(micros) * 10);
        var sign = micros < 0 ? "-" : "";
        var fraction = micros % 1_000_000 == 0 ? "" : "." + (Math.Abs(micros) % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
        return $"INTERVAL '{sign}{t.Days} {t.Hours:D2}:{t.Minutes:D2}:{t.Seconds:D2}{fraction}' DAY TO SECOND";
    }

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
}
