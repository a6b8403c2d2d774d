using System.Globalization;
using System.Text;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Analysis;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Plan.Types;

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
        // A column passed on as it is keeps its qualifiers (a.id still names it above the projection), as a Spark
        // attribute does; anything computed or renamed is a new column without them.
        return expr is ColumnRef c && ColumnResolver.TryResolve(schema, c) is { FieldPath.Length: 0 } r
            ? ColumnQualifiers.Keep(r.Field, NameOf(expr), type, nullable)
            : new Field(NameOf(expr), type, nullable);
    }

    /// <summary>The data type of <paramref name="expr"/> over <paramref name="schema"/>.</summary>
    /// <exception cref="AnalysisException">The expression does not resolve.</exception>
    public static IArrowType TypeOf(Expr expr, Schema schema) => Infer(expr, schema).Type;

    /// <summary>The column name Spark gives the result of <paramref name="expr"/> when it is not aliased.</summary>
    public static string NameOf(Expr expr) => expr switch
    {
        Alias a => a.Name,
        ColumnRef c => LastPart(c.Name),
        // Spark's ResolveAliases: a cast of a column keeps the column's name (a cast of a struct field does not).
        CastExpr { Child: ColumnRef c } when ColumnResolver.SplitPath(c.Name).Count == 1 => LastPart(c.Name),
        GetField g => g.Field,
        FunctionCall f when FunctionTypes.IsGenerator(f.Name) => "col",
        // Spark's TimeWindow and SessionWindow name their column after themselves.
        FunctionCall f when f.Name.Equals("window", StringComparison.OrdinalIgnoreCase) || f.Name.Equals("session_window", StringComparison.OrdinalIgnoreCase)
            => f.Name.ToLowerInvariant(),
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

    /// <summary>Type and nullability of <paramref name="expr"/>: the binder's typing, so that the schema the planner reports and
    /// the columns bound expressions compute always agree.</summary>
    internal static (IArrowType Type, bool Nullable) Infer(Expr expr, Schema schema) => ExpressionBinder.TypeOf(expr, schema);
}
