using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Engine.Operators.Windows;
using OrleansStream.Plan.Types;
using static OrleansStream.Engine.Analysis.Functions.FunctionRules;

namespace OrleansStream.Engine.Analysis.Functions;

/// <summary>Spark's built-in functions that the engine implements: one registry entry each (names, arity, type rule, kernel).</summary>
internal static class BuiltinFunctions
{
    /// <summary>A registry holding every built-in.</summary>
    public static FunctionRegistry Create()
    {
        var r = new FunctionRegistry();
        AddStrings(r);
        AddConditionals(r);
        AddCollections(r);
        AddDateTime(r);
        AddMath(r);
        AddNonScalar(r);
        return r;
    }

    private static FunctionDefinition Scalar(string[] names, int min, int max, FunctionTypeRule rule, FunctionKernel kernel) =>
        new(names, FunctionKind.Scalar, min, max, rule, kernel);

    private static void AddStrings(FunctionRegistry r)
    {
        var str = Fixed(StringType.Default);
        r.Add(Scalar(["lower", "lcase"], 1, 1, str, (a, _, _) => StringKernels.ChangeCase(AsString(a[0]), upper: false)));
        r.Add(Scalar(["upper", "ucase"], 1, 1, str, (a, _, _) => StringKernels.ChangeCase(AsString(a[0]), upper: true)));
        r.Add(Scalar(["trim"], 1, 1, str, (a, _, _) => StringKernels.Trim(AsString(a[0]), true, true)));
        r.Add(Scalar(["ltrim"], 1, 1, str, (a, _, _) => StringKernels.Trim(AsString(a[0]), true, false)));
        r.Add(Scalar(["rtrim"], 1, 1, str, (a, _, _) => StringKernels.Trim(AsString(a[0]), false, true)));
        r.Add(Scalar(["length", "char_length", "character_length"], 1, 1, Fixed(Int32Type.Default),
            (a, _, _) => StringKernels.Length(a[0] is BinaryArray ? a[0] : AsString(a[0]))));
        r.Add(Scalar(["substring", "substr"], 2, 3, str, (a, _, _) => StringKernels.Substring(AsString(a[0]),
            (Int32Array)CastKernels.Cast(a[1], Int32Type.Default), a.Length > 2 ? (Int32Array)CastKernels.Cast(a[2], Int32Type.Default) : null)));
        r.Add(Scalar(["concat"], -1, -1, str, (a, _, scope) =>
        {
            var strings = new StringArray[a.Length];
            for (var i = 0; i < a.Length; i++) strings[i] = AsString(a[i]);
            return StringKernels.Concat(strings, scope.Length);
        }));
        r.Add(Scalar(["split"], 2, 3, Fixed(StringKernels.SplitType), (a, call, _) =>
        {
            var (pattern, limit) = ((string, int))call.Prepared!;
            return StringKernels.Split(AsString(a[0]), pattern, limit);
        }) with { Prepare = call => (LiteralString(call, 1), LiteralInt(call, 2, -1)), EvaluatedArguments = 1 });
        r.Add(Like(["like"], isRegex: false, ignoreCase: false));
        r.Add(Like(["rlike", "regexp_like"], isRegex: true, ignoreCase: false));
        r.Add(Like(["ilike"], isRegex: false, ignoreCase: true));
        r.Add(new FunctionDefinition(["from_json"], FunctionKind.Scalar, 2, 3, (call, _) => (JsonSchemaOf(call), true),
            (a, call, _) => JsonKernels.FromJson(AsString(a[0]), call.Type)) { EvaluatedArguments = 1 });
        r.Add(Scalar(["to_json"], 1, 2, (call, args) =>
        {
            if (args[0].Type is not (StructType or ListType or MapType))
                throw new AnalysisException($"[DATATYPE_MISMATCH.INVALID_JSON_SCHEMA] Cannot resolve \"{ExpressionTyper.ToSql(call)}\": to_json requires a struct, array or map input, not {DataTypes.ToDdl(args[0].Type)}.");
            return (StringType.Default, args[0].Nullable);
        }, (a, _, _) => JsonKernels.ToJson(a[0])));
    }

    private static FunctionDefinition Like(string[] names, bool isRegex, bool ignoreCase) =>
        Scalar(names, 2, 2, Fixed(BooleanType.Default), (a, call, _) => StringKernels.Like(AsString(a[0]), (string)call.Prepared!, isRegex, ignoreCase))
            with { Prepare = call => LiteralString(call, 1), EvaluatedArguments = 1 };

    private static void AddConditionals(FunctionRegistry r)
    {
        r.Add(Scalar(["coalesce", "nvl", "ifnull"], -1, -1, (call, args) =>
        {
            if (args.Count == 0)
                throw new AnalysisException($"[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `{call.Name.ToLowerInvariant()}` requires at least 1 parameters but the actual number is 0.");
            return (CommonOf(call, args), args.All(a => a.Nullable));
        }, (a, call, scope) => ConditionalKernels.Coalesce(a, call.Type, scope.Length)));
        r.Add(Scalar(["isnull"], 1, 1, (_, _) => (BooleanType.Default, false), (a, _, _) => LogicKernels.IsNull(a[0], negate: false)));
        r.Add(Scalar(["isnotnull"], 1, 1, (_, _) => (BooleanType.Default, false), (a, _, _) => LogicKernels.IsNull(a[0], negate: true)));
    }

    private static void AddCollections(FunctionRegistry r) =>
        r.Add(Scalar(["array"], -1, -1, (call, args) =>
        {
            var element = args.Count == 0 ? StringType.Default : CommonOf(call, args);
            if (element is NullType) element = StringType.Default;
            return (new ListType(new Field("element", element, AnyNullable(args))), false);
        }, (a, call, scope) => CollectionKernels.MakeArray(a, (ListType)call.Type, scope.Length)));

    private static void AddDateTime(FunctionRegistry r)
    {
        // the epoch's batch timestamp, never the wall clock: a replayed epoch computes the same values. A column per batch (q12's
        // processing time), so it is rented from the batch's owner when there is one.
        r.Add(Scalar(["current_timestamp", "now", "localtimestamp"], 0, 0, (_, _) => (DataTypes.Timestamp, false),
            (_, _, scope) => ArrayFactory.Repeat(DataTypes.Timestamp, scope.Context.BatchTimestampMicros, scope.Length, scope.Context.Buffers)));
        r.Add(Scalar(["current_date", "curdate"], 0, 0, (_, _) => (DataTypes.Date, false),
            (_, _, scope) => ArrayFactory.Repeat(DataTypes.Date, (int)Math.Floor(scope.Context.BatchTimestampMicros / (double)DateTimeText.MicrosPerDay), scope.Length, scope.Context.Buffers)));
        r.Add(Scalar(["window_time"], -1, -1, (_, _) => (DataTypes.Timestamp, true), (a, _, _) => WindowTime.Of(a[0])));
    }

    private static void AddMath(FunctionRegistry r)
    {
        FunctionTypeRule numeric = (call, args) =>
        {
            if (!TypeCoercion.IsNumeric(args[0].Type)) throw TypeMismatch(call, "a numeric", args[0].Type);
            return (args[0].Type, args[0].Nullable);
        };
        r.Add(Scalar(["abs"], 1, 1, numeric, (a, _, _) => ArithmeticKernels.Abs(a[0])));
        r.Add(Scalar(["negative"], 1, 1, numeric, (a, _, _) => ArithmeticKernels.Negate(a[0])));
        r.Add(Scalar(["positive"], 1, 1, numeric, (a, _, _) => a[0]));
    }

    // Typed here so that every function has one entry; the aggregation and generate operators evaluate them.
    private static void AddNonScalar(FunctionRegistry r)
    {
        r.Add(new FunctionDefinition(["explode", "explode_outer"], FunctionKind.Generator, 1, 1, (call, args) => args[0].Type switch
        {
            ListType lt => (lt.ValueDataType, true),
            MapType mt => (mt.KeyValueType, true),
            _ => throw TypeMismatch(call, "an \"ARRAY\" or \"MAP\"", args[0].Type),
        }));
        r.Add(new FunctionDefinition(["window", "session_window"], FunctionKind.Grouping, -1, -1, (_, _) => (WindowType, true)));
        r.Add(Aggregate(["count", "count_distinct", "approx_count_distinct"], -1, -1, (_, _) => (Int64Type.Default, false)));
        r.Add(Aggregate(["sum", "sum_distinct"], 1, 1, (call, args) =>
        {
            var t = args[0].Type;
            if (TypeCoercion.IsIntegral(t) || t is NullType) return (Int64Type.Default, true);
            if (t is Decimal128Type d) return (new Decimal128Type(Math.Min(38, d.Precision + 10), d.Scale), true);
            if (TypeCoercion.IsFractional(t) || TypeCoercion.IsString(t)) return (DoubleType.Default, true);
            throw TypeMismatch(call, "a numeric", t);
        }));
        r.Add(Aggregate(["avg", "mean"], 1, 1, (call, args) =>
        {
            var t = args[0].Type;
            if (t is Decimal128Type d) return (new Decimal128Type(Math.Min(38, d.Precision + 4), Math.Min(38, d.Scale + 4)), true);
            if (TypeCoercion.IsNumeric(t) || TypeCoercion.IsString(t) || t is NullType) return (DoubleType.Default, true);
            throw TypeMismatch(call, "a numeric", t);
        }));
        r.Add(Aggregate(["min", "max", "first", "last", "first_value", "last_value", "any_value"], 1, 2, (_, args) => (args[0].Type, true)));
        r.Add(Aggregate(["collect_list", "collect_set"], 1, 1, (_, args) => (new ListType(new Field("element", args[0].Type, false)), false)));
    }

    private static FunctionDefinition Aggregate(string[] names, int min, int max, FunctionTypeRule rule) => new(names, FunctionKind.Aggregate, min, max, rule);

    private static StringArray AsString(IArrowArray a) => a as StringArray ?? (StringArray)CastKernels.Cast(a, StringType.Default);
}
