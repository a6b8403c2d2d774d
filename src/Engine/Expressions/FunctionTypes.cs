using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Types;

namespace OrleansStream.Engine.Expressions;

/// <summary>Result types of the built-in functions, shared by <see cref="ExpressionTyper"/> and <see cref="ExpressionEvaluator"/>.</summary>
internal static class FunctionTypes
{
    /// <summary>Aggregate function names (typed here, evaluated by the aggregation operators).</summary>
    public static readonly HashSet<string> Aggregates = new(StringComparer.OrdinalIgnoreCase)
    {
        "count", "sum", "avg", "mean", "min", "max", "first", "last", "first_value", "last_value", "any_value",
        "collect_list", "collect_set", "count_distinct", "approx_count_distinct", "sum_distinct",
    };

    /// <summary>Generator function names (only allowed as a select-list item).</summary>
    public static readonly HashSet<string> Generators = new(StringComparer.OrdinalIgnoreCase) { "explode", "explode_outer" };

    public static readonly StructType WindowType = new([
        new Field("start", DataTypes.Timestamp, true),
        new Field("end", DataTypes.Timestamp, true),
    ]);

    public static bool IsAggregate(string name) => Aggregates.Contains(name);

    public static bool IsGenerator(string name) => Generators.Contains(name);

    /// <summary>The result of <paramref name="call"/> given its argument types and nullability.</summary>
    public static (IArrowType Type, bool Nullable) Result(FunctionCall call, IReadOnlyList<(IArrowType Type, bool Nullable)> args)
    {
        var name = call.Name.ToLowerInvariant();
        var anyNullable = args.Any(a => a.Nullable);
        switch (name)
        {
            case "lower" or "lcase" or "upper" or "ucase" or "trim" or "ltrim" or "rtrim":
                Arity(call, 1, 1);
                return (StringType.Default, anyNullable);
            case "length" or "char_length" or "character_length":
                Arity(call, 1, 1);
                return (Int32Type.Default, anyNullable);
            case "substring" or "substr":
                Arity(call, 2, 3);
                return (StringType.Default, anyNullable);
            case "concat":
                return (StringType.Default, anyNullable);
            case "split":
                Arity(call, 2, 3);
                return (Kernels.StringKernels.SplitType, anyNullable);
            case "like" or "rlike" or "ilike" or "regexp_like":
                Arity(call, 2, 2);
                return (BooleanType.Default, anyNullable);
            case "coalesce" or "nvl" or "ifnull":
            {
                if (args.Count == 0) throw new AnalysisException($"[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `{name}` requires at least 1 parameters but the actual number is 0.");
                return (CommonOf(call, args), args.All(a => a.Nullable));
            }
            case "array":
            {
                IArrowType element = args.Count == 0 ? StringType.Default : CommonOf(call, args);
                if (element is NullType) element = StringType.Default;
                return (new ListType(new Field("element", element, args.Any(a => a.Nullable))), false);
            }
            case "from_json":
                Arity(call, 2, 3);
                return (JsonSchemaOf(call), true);
            case "to_json":
                Arity(call, 1, 2);
                if (args[0].Type is not (StructType or ListType or MapType))
                    throw new AnalysisException($"[DATATYPE_MISMATCH.INVALID_JSON_SCHEMA] Cannot resolve \"{ExpressionTyper.ToSql(call)}\": to_json requires a struct, array or map input, not {DataTypes.ToDdl(args[0].Type)}.");
                return (StringType.Default, args[0].Nullable);
            case "current_timestamp" or "now" or "localtimestamp":
                Arity(call, 0, 0);
                return (DataTypes.Timestamp, false);
            case "current_date" or "curdate":
                Arity(call, 0, 0);
                return (DataTypes.Date, false);
            case "isnull" or "isnotnull":
                Arity(call, 1, 1);
                return (BooleanType.Default, false);
            case "abs" or "negative" or "positive":
                Arity(call, 1, 1);
                if (!TypeCoercion.IsNumeric(args[0].Type)) throw TypeMismatch(call, "a numeric", args[0].Type);
                return (args[0].Type, args[0].Nullable);
            case "explode" or "explode_outer":
                Arity(call, 1, 1);
                return args[0].Type switch
                {
                    ListType lt => (lt.ValueDataType, true),
                    MapType mt => (mt.KeyValueType, true),
                    _ => throw TypeMismatch(call, "an \"ARRAY\" or \"MAP\"", args[0].Type),
                };
            case "window" or "session_window":
                return (WindowType, true);
            case "window_time":
                return (DataTypes.Timestamp, true);
            // aggregates
            case "count" or "count_distinct" or "approx_count_distinct":
                return (Int64Type.Default, false);
            case "sum" or "sum_distinct":
            {
                Arity(call, 1, 1);
                var t = args[0].Type;
                if (TypeCoercion.IsIntegral(t) || t is NullType) return (Int64Type.Default, true);
                if (t is Decimal128Type d) return (new Decimal128Type(Math.Min(38, d.Precision + 10), d.Scale), true);
                if (TypeCoercion.IsFractional(t) || TypeCoercion.IsString(t)) return (DoubleType.Default, true);
                throw TypeMismatch(call, "a numeric", t);
            }
            case "avg" or "mean":
            {
                Arity(call, 1, 1);
                var t = args[0].Type;
                if (t is Decimal128Type d) return (new Decimal128Type(Math.Min(38, d.Precision + 4), Math.Min(38, d.Scale + 4)), true);
                if (TypeCoercion.IsNumeric(t) || TypeCoercion.IsString(t) || t is NullType) return (DoubleType.Default, true);
                throw TypeMismatch(call, "a numeric", t);
            }
            case "min" or "max" or "first" or "last" or "first_value" or "last_value" or "any_value":
                Arity(call, 1, 2);
                return (args[0].Type, true);
            case "collect_list" or "collect_set":
                Arity(call, 1, 1);
                return (new ListType(new Field("element", args[0].Type, false)), false);
            default:
                throw new AnalysisException(
                    $"[UNRESOLVED_ROUTINE] Cannot resolve routine `{call.Name}` on search path [`system`.`builtin`, `system`.`session`].");
        }
    }

    private static IArrowType CommonOf(FunctionCall call, IReadOnlyList<(IArrowType Type, bool Nullable)> args)
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

    private static void Arity(FunctionCall call, int min, int max)
    {
        var n = call.Args.Count;
        if (n < min || n > max)
            throw new AnalysisException(
                $"[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `{call.Name.ToLowerInvariant()}` requires {(min == max ? min.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"[{min}, {max}]")} parameters but the actual number is {n}.");
    }

    private static AnalysisException TypeMismatch(FunctionCall call, string required, IArrowType actual) =>
        new($"[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{ExpressionTyper.ToSql(call)}\" due to data type mismatch: the first parameter requires {required} type, however \"{ExpressionTyper.ToSql(call.Args[0])}\" has the type \"{DataTypes.ToDdl(actual).ToUpperInvariant()}\".");
}
