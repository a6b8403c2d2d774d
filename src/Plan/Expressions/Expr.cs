using System.Text.Json.Serialization;

namespace OrleansStream.Plan.Expressions;

/// <summary>
/// A node of an unresolved column expression. The tree is immutable, serialisable as JSON
/// (it travels inside the logical plan) and evaluated column-at-a-time by the expression evaluator.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "$e")]
[JsonDerivedType(typeof(ColumnRef), "col")]
[JsonDerivedType(typeof(Star), "star")]
[JsonDerivedType(typeof(Literal), "lit")]
[JsonDerivedType(typeof(Alias), "alias")]
[JsonDerivedType(typeof(BinaryExpr), "bin")]
[JsonDerivedType(typeof(UnaryExpr), "un")]
[JsonDerivedType(typeof(CastExpr), "cast")]
[JsonDerivedType(typeof(CaseWhen), "case")]
[JsonDerivedType(typeof(FunctionCall), "fn")]
[JsonDerivedType(typeof(GetField), "field")]
public abstract record Expr;

/// <summary>A reference to a column by name. A dotted name ("payload.user") reaches into struct columns
/// when no top-level column has the full name; backticks quote names that contain dots.</summary>
public sealed record ColumnRef(string Name) : Expr
{
    /// <summary>A reference to the top-level column named exactly <paramref name="fieldName"/>: quoted when the name has a
    /// dot or a backtick, which would otherwise read as a struct path.</summary>
    public static ColumnRef ToField(string fieldName) =>
        new(fieldName.Contains('.', StringComparison.Ordinal) || fieldName.Contains('`', StringComparison.Ordinal)
            ? "`" + fieldName.Replace("`", "``", StringComparison.Ordinal) + "`"
            : fieldName);

    /// <summary>The DataFrame that made this reference (<c>df.Col("id")</c>, Spark Connect's plan id), or null for a name
    /// resolved against whatever input the expression meets. See <see cref="Logical.LogicalPlan.PlanId"/>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? PlanId { get; init; }
}

/// <summary><c>*</c> (all columns) or <c>q.*</c> (all fields of struct column <c>q</c>).</summary>
public sealed record Star(string? Qualifier = null) : Expr;

/// <summary>A constant. <see cref="TypeName"/> is a Spark DDL type name ("int", "bigint", "string", ...);
/// <see cref="Value"/> is null, bool, int, long, float, double, decimal, string, byte[], DateTime (UTC) or DateOnly.</summary>
public sealed record Literal(object? Value, string TypeName) : Expr
{
    /// <summary>The value; a JSON element read back from a serialised plan becomes the CLR value of <see cref="TypeName"/>.</summary>
    public object? Value { get; init; } = LiteralValues.Normalize(Value, TypeName);
}

/// <summary>Names the result of <see cref="Child"/>.</summary>
public sealed record Alias(Expr Child, string Name) : Expr;

/// <summary>Arithmetic, comparison and boolean operators with SQL null semantics.</summary>
public sealed record BinaryExpr(BinaryOp Op, Expr Left, Expr Right) : Expr;

/// <summary>NOT, negation and null tests.</summary>
public sealed record UnaryExpr(UnaryOp Op, Expr Child) : Expr;

/// <summary>A cast to a Spark type name ("string", "int", "long", "double", "timestamp", "date", ...).</summary>
public sealed record CastExpr(Expr Child, string TypeName) : Expr;

/// <summary>CASE WHEN c1 THEN v1 ... ELSE e END, as built by <c>When(...).Otherwise(...)</c>.</summary>
public sealed record CaseWhen(IReadOnlyList<CaseBranch> Branches, Expr? Else) : Expr;

/// <summary>One WHEN ... THEN ... of a <see cref="CaseWhen"/>.</summary>
public sealed record CaseBranch(Expr Condition, Expr Value);

/// <summary>A call of a named function (case-insensitive Spark name: lower, upper, length, substring, concat,
/// split, trim, explode, from_json, to_json, current_timestamp, array, coalesce, ... and aggregates such as count, sum).</summary>
public sealed record FunctionCall(string Name, IReadOnlyList<Expr> Args) : Expr
{
    /// <summary>True for <c>count(DISTINCT x)</c> and the like.</summary>
    public bool IsDistinct { get; init; }
}

/// <summary>Field <see cref="Field"/> of the struct produced by <see cref="Child"/>.</summary>
public sealed record GetField(Expr Child, string Field) : Expr;

/// <summary>Binary operators.</summary>
public enum BinaryOp { Add, Subtract, Multiply, Divide, Modulo, Equal, NotEqual, LessThan, LessThanOrEqual, GreaterThan, GreaterThanOrEqual, EqualNullSafe, And, Or }

/// <summary>Unary operators.</summary>
public enum UnaryOp { Not, Negate, IsNull, IsNotNull }
