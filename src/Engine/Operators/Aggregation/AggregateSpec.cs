using Apache.Arrow.Types;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Operators.Aggregation;

/// <summary>
/// One aggregate of a grouped aggregation: the function name and the type of its argument column.
/// <para>Functions: <c>count</c> (<see cref="InputType"/> null = <c>count(*)</c>), <c>sum</c>, <c>avg</c> (alias <c>mean</c>),
/// <c>min</c>, <c>max</c>, <c>first</c> (aliases <c>first_value</c>, <c>any_value</c>), <c>last</c> (alias <c>last_value</c>) and
/// <c>approx_count_distinct</c>; names are case-insensitive.</para>
/// <para>Null handling follows Spark: sum, avg, min and max ignore nulls and are null when a group saw no non-null value;
/// <c>count(col)</c> counts non-null values and is 0 for no rows; first and last take the first and last value in arrival
/// order including nulls (Spark's default <c>ignoreNulls = false</c>); approx_count_distinct ignores nulls.</para>
/// </summary>
/// <param name="Function">The function name.</param>
/// <param name="InputType">The argument's type, or null for <c>count(*)</c>.</param>
public sealed record AggregateSpec(string Function, IArrowType? InputType)
{
    /// <summary>The type of this aggregate's result column (see <see cref="ResultType(string, IArrowType?)"/>).</summary>
    /// <exception cref="AnalysisException">Spark rejects the function or argument type.</exception>
    /// <exception cref="NotSupportedException">Spark accepts it but this engine does not aggregate it.</exception>
    public IArrowType ResultType() => ResultType(Function, InputType);

    /// <summary>True when the result can be null (everything except count and approx_count_distinct).</summary>
    public bool ResultNullable => Resolve(Function, InputType) is not (AggregateKind.Count or AggregateKind.ApproxCountDistinct);

    /// <summary>The resolved function.</summary>
    internal AggregateKind Kind => Resolve(Function, InputType);

    /// <summary>
    /// The result type, as Spark types it (and as <c>FunctionTypes</c> types the expression): count and approx_count_distinct →
    /// bigint; sum of an integral → bigint, of float/double/string → double, of decimal(p,s) → decimal(min(38,p+10),s);
    /// avg of a number or string → double, of decimal(p,s) → decimal(min(38,p+4),min(38,s+4)); min, max, first, last → the input type.
    /// </summary>
    /// <exception cref="AnalysisException">Spark rejects the function or argument type.</exception>
    /// <exception cref="NotSupportedException">Spark accepts it but this engine does not aggregate it.</exception>
    public static IArrowType ResultType(string function, IArrowType? inputType)
    {
        var kind = Resolve(function, inputType);
        switch (kind)
        {
            case AggregateKind.Count or AggregateKind.ApproxCountDistinct:
                return Int64Type.Default;
            case AggregateKind.Sum:
                return inputType switch
                {
                    Decimal128Type d => new Decimal128Type(Math.Min(38, d.Precision + 10), d.Scale),
                    _ when IsIntegral(inputType!) || inputType!.TypeId == ArrowTypeId.Null => Int64Type.Default,
                    _ => DoubleType.Default,
                };
            case AggregateKind.Average:
                return inputType is Decimal128Type dec
                    ? new Decimal128Type(Math.Min(38, dec.Precision + 4), Math.Min(38, dec.Scale + 4))
                    : DoubleType.Default;
            default:
                return inputType!;
        }
    }

    /// <summary>Resolves the function name and checks the argument type.</summary>
    internal static AggregateKind Resolve(string function, IArrowType? inputType)
    {
        ArgumentNullException.ThrowIfNull(function);
        var kind = function.ToLowerInvariant() switch
        {
            "count" => AggregateKind.Count,
            "sum" => AggregateKind.Sum,
            "avg" or "mean" => AggregateKind.Average,
            "min" => AggregateKind.Min,
            "max" => AggregateKind.Max,
            "first" or "first_value" or "any_value" => AggregateKind.First,
            "last" or "last_value" => AggregateKind.Last,
            "approx_count_distinct" => AggregateKind.ApproxCountDistinct,
            "collect_list" or "collect_set" or "count_distinct" or "sum_distinct" =>
                throw new NotSupportedException($"The aggregate function `{function}` is not supported by streaming aggregation."),
            _ => throw new AnalysisException(
                $"[UNRESOLVED_ROUTINE] Cannot resolve routine `{function}` on search path [`system`.`builtin`, `system`.`session`]."),
        };
        if (kind == AggregateKind.Count) return kind;
        if (inputType is null)
            throw new AnalysisException(
                $"[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `{function.ToLowerInvariant()}` requires 1 parameters but the actual number is 0.");
        var id = inputType.TypeId;
        switch (kind)
        {
            case AggregateKind.Sum or AggregateKind.Average:
                if (IsIntegral(inputType) || id is ArrowTypeId.Float or ArrowTypeId.Double or ArrowTypeId.Decimal128 or ArrowTypeId.String or ArrowTypeId.Null)
                    return kind;
                throw new AnalysisException(
                    $"[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{function.ToLowerInvariant()}\" due to data type mismatch: " +
                    $"the first parameter requires a numeric type, however it has the type \"{DataTypes.ToDdl(inputType).ToUpperInvariant()}\".");
            case AggregateKind.ApproxCountDistinct:
                if (IsScalar(inputType) || id == ArrowTypeId.Null) return kind;
                break;
            default:
                if (IsScalar(inputType)) return kind;
                break;
        }
        throw new NotSupportedException(
            $"The aggregate `{function.ToLowerInvariant()}` over a {DataTypes.ToDdl(inputType)} column is not supported " +
            "(supported: boolean, tinyint, smallint, int, bigint, float, double, decimal, string, binary, timestamp, date).");
    }

    private static bool IsIntegral(IArrowType t) => t.TypeId is ArrowTypeId.Int8 or ArrowTypeId.Int16 or ArrowTypeId.Int32 or ArrowTypeId.Int64;

    private static bool IsScalar(IArrowType t) => IsIntegral(t) || t.TypeId is ArrowTypeId.Boolean or ArrowTypeId.Float or ArrowTypeId.Double
        or ArrowTypeId.Decimal128 or ArrowTypeId.String or ArrowTypeId.Binary or ArrowTypeId.Timestamp or ArrowTypeId.Date32;
}
