using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Analysis.Functions;

/// <summary>Pieces the built-in type rules and preparers share: common types, literal arguments, Spark's error texts.</summary>
internal static class FunctionRules
{
    /// <summary>The type of a time window: a struct of start and end.</summary>
    public static readonly StructType WindowType = new([
        new Field("start", DataTypes.Timestamp, true),
        new Field("end", DataTypes.Timestamp, true),
    ]);

    /// <summary>A rule that always answers <paramref name="type"/>, nullable when any argument is.</summary>
    public static FunctionTypeRule Fixed(IArrowType type) => (_, args) => (type, AnyNullable(args));

    /// <summary>Whether any argument is nullable.</summary>
    public static bool AnyNullable(IReadOnlyList<(IArrowType Type, bool Nullable)> args)
    {
        foreach (var a in args)
            if (a.Nullable) return true;
        return false;
    }

    /// <summary>The common type of all arguments (coalesce, array), or Spark's DATA_DIFF_TYPES error.</summary>
    public static IArrowType CommonOf(FunctionCall call, IReadOnlyList<(IArrowType Type, bool Nullable)> args)
    {
        IArrowType t = NullType.Default;
        foreach (var a in args)
        {
            t = TypeCoercion.Common(t, a.Type)
                ?? throw new AnalysisException(
                    $"[DATATYPE_MISMATCH.DATA_DIFF_TYPES] Cannot resolve \"{ExpressionTyper.ToSql(call)}\" due to data type mismatch: Input to `{call.Name}` should all be the same type, but it's [{string.Join(", ", args.Select(x => "\"" + DataTypes.ToDdl(x.Type).ToUpperInvariant() + "\""))}].");
        }
        return t;
    }

    /// <summary>The type named by the schema argument of from_json: a DDL field list ("a INT, b STRING") or a type ("array&lt;int&gt;").</summary>
    public static IArrowType JsonSchemaOf(FunctionCall call)
    {
        if (call.Args.Count < 2 || call.Args[1] is not Literal { Value: string ddl })
            throw new AnalysisException($"[INVALID_SCHEMA.NON_STRING_LITERAL] The input schema \"{(call.Args.Count > 1 ? ExpressionTyper.ToSql(call.Args[1]) : "")}\" must be a string literal, in from_json.");
        var trimmed = ddl.TrimStart();
        try
        {
            if (trimmed.StartsWith("struct<", StringComparison.OrdinalIgnoreCase) || trimmed.StartsWith("array<", StringComparison.OrdinalIgnoreCase)
                || trimmed.StartsWith("map<", StringComparison.OrdinalIgnoreCase))
                return DataTypes.ParseType(ddl);
            return new StructType(DataTypes.ParseSchema(ddl).FieldsList.ToList());
        }
        catch (FormatException ex)
        {
            throw new AnalysisException($"[INVALID_SCHEMA.PARSE_ERROR] The input schema '{ddl}' is not a valid schema string: {ex.Message}", ex);
        }
    }

    /// <summary>Argument <paramref name="arg"/> of <paramref name="call"/> as a string literal, or Spark's NON_FOLDABLE_INPUT error.</summary>
    public static string LiteralString(FunctionCall call, int arg)
    {
        if (call.Args.Count > arg && call.Args[arg] is Literal { Value: string s }) return s;
        throw new AnalysisException($"[DATATYPE_MISMATCH.NON_FOLDABLE_INPUT] Cannot resolve \"{ExpressionTyper.ToSql(call)}\": argument {arg + 1} of `{call.Name}` must be a string literal.");
    }

    /// <summary>Argument <paramref name="arg"/> of <paramref name="call"/> as an integer literal (<paramref name="defaultValue"/> when
    /// absent), or Spark's NON_FOLDABLE_INPUT error.</summary>
    public static int LiteralInt(FunctionCall call, int arg, int defaultValue)
    {
        if (call.Args.Count <= arg) return defaultValue;
        if (call.Args[arg] is Literal { Value: not null } l) return Convert.ToInt32(l.Value, System.Globalization.CultureInfo.InvariantCulture);
        throw new AnalysisException($"[DATATYPE_MISMATCH.NON_FOLDABLE_INPUT] Cannot resolve \"{ExpressionTyper.ToSql(call)}\": argument {arg + 1} of `{call.Name}` must be an integer literal.");
    }

    /// <summary>Spark's error for a first argument of the wrong type.</summary>
    public static AnalysisException TypeMismatch(FunctionCall call, string required, IArrowType actual) =>
        new($"[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{ExpressionTyper.ToSql(call)}\" due to data type mismatch: the first parameter requires {required} type, however \"{ExpressionTyper.ToSql(call.Args[0])}\" has the type \"{DataTypes.ToDdl(actual).ToUpperInvariant()}\".");
}
