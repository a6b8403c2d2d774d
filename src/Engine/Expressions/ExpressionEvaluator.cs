using System.Buffers;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Engine.Types;

namespace OrleansStream.Engine.Expressions;

/// <summary>
/// Evaluates an <see cref="Expr"/> over a whole <see cref="RecordBatch"/> at once, column by column (vectorised Arrow kernels,
/// no per-row objects). The result always has the batch's length (literals are broadcast) and the type
/// <see cref="ExpressionTyper"/> reports for the expression over the batch's schema.
/// </summary>
public static class ExpressionEvaluator
{
    /// <summary>Evaluates <paramref name="expr"/> over <paramref name="batch"/>; <c>current_timestamp()</c> is
    /// <see cref="EpochContext.BatchTimestampMicros"/>.</summary>
    /// <exception cref="AnalysisException">Unknown column or function, or a type mismatch.</exception>
    public static IArrowArray Evaluate(Expr expr, RecordBatch batch, EpochContext ctx)
    {
        ArgumentNullException.ThrowIfNull(expr);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(ctx);
        return Evaluate(expr, batch, ctx, new EvaluationCache(batch));
    }

    /// <summary>Evaluates <paramref name="expr"/> sharing <paramref name="cache"/> with other expressions over the same
    /// batch (a projection's items), so a sub-expression they have in common is computed once.</summary>
    internal static IArrowArray Evaluate(Expr expr, RecordBatch batch, EpochContext ctx, EvaluationCache cache)
    {
        if (!ReferenceEquals(cache.Batch, batch)) throw new ArgumentException("The cache belongs to another batch.", nameof(cache));
        if (batch.Length == 0)
        {
            // empty inputs may carry empty offset buffers: answer with an empty column of the typed result
            var type = ExpressionTyper.TypeOf(expr, batch.Schema);
            return ArrayFactory.Nulls(type, 0);
        }
        return Eval(expr, batch, ctx, cache);
    }

    /// <summary>Evaluates a predicate to a boolean array (null type results become all-null booleans).</summary>
    internal static BooleanArray EvaluatePredicate(Expr expr, RecordBatch batch, EpochContext ctx) => AsBoolean(Evaluate(expr, batch, ctx));

    private static IArrowArray Eval(Expr expr, RecordBatch batch, EpochContext ctx, EvaluationCache cache)
    {
        if (!EvaluationCache.IsCacheable(expr)) return Compute(expr, batch, ctx, cache);
        if (cache.TryGet(expr, out var known)) return known;
        var result = Compute(expr, batch, ctx, cache);
        cache.Add(expr, result);
        return result;
    }

    /// <summary>A binary operator's operands. A constant facing a column stays one row long: the kernels apply it to
    /// every row without materialising it as a column. (AND and OR take columns.)</summary>
    private static (IArrowArray Left, IArrowArray Right) Operands(BinaryExpr b, RecordBatch batch, EpochContext ctx, EvaluationCache cache)
    {
        if (b.Op is not (BinaryOp.And or BinaryOp.Or))
        {
            var leftConstant = IsConstant(b.Left);
            if (leftConstant != IsConstant(b.Right))
                return leftConstant ? (Constant(b.Left), Eval(b.Right, batch, ctx, cache)) : (Eval(b.Left, batch, ctx, cache), Constant(b.Right));
        }
        return (Eval(b.Left, batch, ctx, cache), Eval(b.Right, batch, ctx, cache));
    }

    private static bool IsConstant(Expr e) => e switch
    {
        Literal => true,
        CastExpr c => IsConstant(c.Child),
        Alias a => IsConstant(a.Child),
        _ => false,
    };

    /// <summary>A constant (a literal, possibly cast) as a one-row array, through the same broadcast and cast as a column.</summary>
    private static IArrowArray Constant(Expr e) => e switch
    {
        Literal l => ArrayFactory.Broadcast(l, 1),
        CastExpr c => CastKernels.Cast(Constant(c.Child), ArrayFactory.ParseTypeCached(c.TypeName)),
        Alias a => Constant(a.Child),
        _ => throw new ArgumentException("not a constant", nameof(e)),
    };

    private static BooleanArray AsBoolean(IArrowArray a) => a as BooleanArray ?? (BooleanArray)CastKernels.Cast(a, BooleanType.Default);

    private static IArrowArray Compute(Expr expr, RecordBatch batch, EpochContext ctx, EvaluationCache cache)
    {
        var n = batch.Length;
        switch (expr)
        {
            case ColumnRef c:
            {
                var r = ColumnResolver.Resolve(batch.Schema, c.Name);
                var array = batch.Column(r.ColumnIndex);
                foreach (var k in r.FieldPath) array = StructChild((StructArray)array, k);
                return array.Data.DataType is TimestampType ts && (ts.Unit != TimeUnit.Microsecond)
                    ? CastKernels.Cast(array, DataTypes.Timestamp)
                    : array;
            }
            case Literal l:
                return ArrayFactory.Broadcast(l, n);
            case Alias a:
                return Eval(a.Child, batch, ctx, cache);
            case BinaryExpr b:
            {
                var (l, r) = Operands(b, batch, ctx, cache);
                var lt = l.Data.DataType;
                var rt = r.Data.DataType;
                if (ExpressionTyper.IsArithmetic(b.Op))
                    return ArithmeticKernels.Binary(b.Op, l, r, TypeCoercion.Arithmetic(b.Op, lt, rt, () => ExpressionTyper.ToSql(b)));
                if (ExpressionTyper.IsComparison(b.Op))
                {
                    var common = TypeCoercion.Comparison(lt, rt)
                        ?? throw new AnalysisException($"[DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES] Cannot resolve \"{ExpressionTyper.ToSql(b)}\" due to data type mismatch: incompatible types (\"{DataTypes.ToDdl(lt).ToUpperInvariant()}\" and \"{DataTypes.ToDdl(rt).ToUpperInvariant()}\").");
                    if (common is NullType)
                        return b.Op == BinaryOp.EqualNullSafe ? ArrayFactory.Broadcast(true, BooleanType.Default, n) : ArrayFactory.Nulls(BooleanType.Default, n);
                    return ComparisonKernels.Compare(b.Op, l, r, common);
                }
                return b.Op == BinaryOp.And ? LogicKernels.And(AsBoolean(l), AsBoolean(r)) : LogicKernels.Or(AsBoolean(l), AsBoolean(r));
            }
            case UnaryExpr u:
            {
                var c = Eval(u.Child, batch, ctx, cache);
                return u.Op switch
                {
                    UnaryOp.Not => LogicKernels.Not(AsBoolean(c)),
                    UnaryOp.Negate => ArithmeticKernels.Negate(c is NullArray ? CastKernels.Cast(c, Int32Type.Default) : c),
                    UnaryOp.IsNull => LogicKernels.IsNull(c, negate: false),
                    _ => LogicKernels.IsNull(c, negate: true),
                };
            }
            case CastExpr c:
                return CastKernels.Cast(Eval(c.Child, batch, ctx, cache), ArrayFactory.ParseTypeCached(c.TypeName));
            case CaseWhen cw:
                return EvalCase(cw, batch, ctx, cache);
            case FunctionCall f:
                return EvalFunction(f, batch, ctx, cache);
            case GetField g:
            {
                var c = Eval(g.Child, batch, ctx, cache);
                if (c is not StructArray s)
                    throw new AnalysisException($"[INVALID_EXTRACT_BASE_FIELD_TYPE] Can't extract a value from \"{ExpressionTyper.ToSql(g.Child)}\". Need a complex type [STRUCT, ARRAY, MAP] but got \"{DataTypes.ToDdl(c.Data.DataType).ToUpperInvariant()}\".");
                var st = (StructType)s.Data.DataType;
                var k = ExpressionTyper.StructFieldIndex(st, g.Field);
                if (k < 0) throw new AnalysisException($"[FIELD_NOT_FOUND] No such struct field `{g.Field}` in {string.Join(", ", st.Fields.Select(x => "`" + x.Name + "`"))}.");
                return StructChild(s, k);
            }
            case Star s:
                throw new AnalysisException($"[INVALID_USAGE_OF_STAR_OR_REGEX] Invalid usage of '{(s.Qualifier is null ? "*" : s.Qualifier + ".*")}' in expression.");
            default:
                throw new AnalysisException($"Unsupported expression {expr.GetType().Name}.");
        }
    }

    /// <summary>Field <paramref name="k"/> of a struct column, null wherever the struct itself is null.</summary>
    internal static IArrowArray StructChild(StructArray s, int k)
    {
        var child = s.Fields[k];
        if (s.NullCount == 0 || child.Data.DataType is NullType) return child;
        var n = s.Length;
        var parentValid = Bitmaps.Validity(s)!;
        var off = child.Offset;
        var bits = new byte[BitUtility.ByteCount(off + n)];
        var childBits = child.NullCount == 0 ? default : child.Data.Buffers[0].Span;
        var nulls = 0;
        for (var i = 0; i < n; i++)
        {
            var valid = Bitmaps.Get(parentValid, i) && (child.NullCount == 0 || BitUtility.GetBit(childBits, off + i));
            if (valid) Bitmaps.Set(bits, off + i);
            else nulls++;
        }
        var buffers = child.Data.Buffers.ToArray();
        buffers[0] = new ArrowBuffer(bits);
        return ArrowArrayFactory.BuildArray(new ArrayData(child.Data.DataType, n, nulls, off, buffers, child.Data.Children, child.Data.Dictionary));
    }

    private static IArrowArray EvalCase(CaseWhen cw, RecordBatch batch, EpochContext ctx, EvaluationCache cache)
    {
        var n = batch.Length;
        var conditions = new BooleanArray[cw.Branches.Count];
        for (var b = 0; b < conditions.Length; b++) conditions[b] = AsBoolean(Eval(cw.Branches[b].Condition, batch, ctx, cache));
        var elseIndex = cw.Else is null ? -1 : cw.Branches.Count;
        // the per-row choice is scratch: a pooled array spares a fresh large allocation per batch
        var rented = ArrayPool<int>.Shared.Rent(n);
        try
        {
            var choice = rented.AsSpan(0, n);
            CaseKernels.Choices(conditions, elseIndex, choice);
            if (CaseKernels.StringLiterals(cw) is { } literals) return CaseKernels.LiteralStrings(literals, choice);
            return ChooseValues(cw, batch, ctx, cache, choice);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rented);
        }
    }

    private static IArrowArray ChooseValues(CaseWhen cw, RecordBatch batch, EpochContext ctx, EvaluationCache cache, ReadOnlySpan<int> choice)
    {
        var values = new List<IArrowArray>(cw.Branches.Count + 1);
        IArrowType type = NullType.Default;
        foreach (var branch in cw.Branches)
        {
            var v = Eval(branch.Value, batch, ctx, cache);
            values.Add(v);
            type = TypeCoercion.Common(type, v.Data.DataType) ?? throw new AnalysisException($"[DATATYPE_MISMATCH.DATA_DIFF_TYPES] Cannot resolve \"{ExpressionTyper.ToSql(cw)}\": branches have incompatible types.");
        }
        if (cw.Else is not null)
        {
            var e = Eval(cw.Else, batch, ctx, cache);
            values.Add(e);
            type = TypeCoercion.Common(type, e.Data.DataType) ?? throw new AnalysisException($"[DATATYPE_MISMATCH.DATA_DIFF_TYPES] Cannot resolve \"{ExpressionTyper.ToSql(cw)}\": branches have incompatible types.");
        }
        if (type is NullType) return new NullArray(batch.Length);
        for (var k = 0; k < values.Count; k++) values[k] = CastKernels.Cast(values[k], type);
        return TakeKernel.Choose(values, choice, type);
    }

    private static string LiteralString(FunctionCall f, int arg)
    {
        if (f.Args.Count > arg && f.Args[arg] is Literal { Value: string s }) return s;
        throw new AnalysisException($"[DATATYPE_MISMATCH.NON_FOLDABLE_INPUT] Cannot resolve \"{ExpressionTyper.ToSql(f)}\": argument {arg + 1} of `{f.Name}` must be a string literal.");
    }

    private static int LiteralInt(FunctionCall f, int arg, int defaultValue)
    {
        if (f.Args.Count <= arg) return defaultValue;
        if (f.Args[arg] is Literal { Value: not null } l) return Convert.ToInt32(l.Value, System.Globalization.CultureInfo.InvariantCulture);
        throw new AnalysisException($"[DATATYPE_MISMATCH.NON_FOLDABLE_INPUT] Cannot resolve \"{ExpressionTyper.ToSql(f)}\": argument {arg + 1} of `{f.Name}` must be an integer literal.");
    }

    private static IArrowArray EvalFunction(FunctionCall f, RecordBatch batch, EpochContext ctx, EvaluationCache cache)
    {
        var n = batch.Length;
        var name = f.Name.ToLowerInvariant();
        if (FunctionTypes.IsAggregate(name))
            throw new AnalysisException($"[MISSING_GROUP_BY] The aggregate function `{name}` can only be used in an aggregation (groupBy(...).agg(...)), not in \"{ExpressionTyper.ToSql(f)}\".");
        if (FunctionTypes.IsGenerator(name))
            throw new AnalysisException($"[UNSUPPORTED_GENERATOR.OUTSIDE_SELECT] The generator is not supported outside the SELECT clause, but got: \"{ExpressionTyper.ToSql(f)}\".");
        IArrowArray Arg(int i) => Eval(f.Args[i], batch, ctx, cache);
        StringArray Str(int i) => (StringArray)CastKernels.Cast(Arg(i), StringType.Default);
        // validate arity and names through the shared typing rules
        var argTypes = new List<(IArrowType, bool)>();
        var args = new IArrowArray?[f.Args.Count];
        if (name is not ("from_json" or "split" or "like" or "rlike" or "ilike" or "regexp_like"))
        {
            for (var i = 0; i < f.Args.Count; i++)
            {
                args[i] = Arg(i);
                argTypes.Add((args[i]!.Data.DataType, true));
            }
            FunctionTypes.Result(f, argTypes);
        }
        switch (name)
        {
            case "lower" or "lcase": return StringKernels.ChangeCase(AsString(args[0]!), upper: false);
            case "upper" or "ucase": return StringKernels.ChangeCase(AsString(args[0]!), upper: true);
            case "trim": return StringKernels.Trim(AsString(args[0]!), true, true);
            case "ltrim": return StringKernels.Trim(AsString(args[0]!), true, false);
            case "rtrim": return StringKernels.Trim(AsString(args[0]!), false, true);
            case "length" or "char_length" or "character_length":
                return StringKernels.Length(args[0] is BinaryArray ? args[0]! : AsString(args[0]!));
            case "substring" or "substr":
                return StringKernels.Substring(AsString(args[0]!), (Int32Array)CastKernels.Cast(args[1]!, Int32Type.Default),
                    args.Length > 2 ? (Int32Array)CastKernels.Cast(args[2]!, Int32Type.Default) : null);
            case "concat":
                return StringKernels.Concat(args.Select(a => AsString(a!)).ToList(), n);
            case "split":
            {
                if (f.Args.Count is < 2 or > 3) FunctionTypes.Result(f, [(StringType.Default, true)]);
                return StringKernels.Split(Str(0), LiteralString(f, 1), LiteralInt(f, 2, -1));
            }
            case "like" or "rlike" or "ilike" or "regexp_like":
            {
                if (f.Args.Count != 2) FunctionTypes.Result(f, [(StringType.Default, true)]);
                return StringKernels.Like(Str(0), LiteralString(f, 1), isRegex: name is "rlike" or "regexp_like", ignoreCase: name == "ilike");
            }
            case "coalesce" or "nvl" or "ifnull":
            {
                IArrowType type = NullType.Default;
                foreach (var a in args) type = TypeCoercion.Common(type, a!.Data.DataType)!;
                if (type is NullType) return new NullArray(n);
                var cast = args.Select(a => CastKernels.Cast(a!, type)).ToList();
                var choice = new int[n];
                System.Array.Fill(choice, -1);
                for (var k = cast.Count - 1; k >= 0; k--)
                {
                    var a = cast[k];
                    if (a.NullCount == 0) { System.Array.Fill(choice, k); continue; }
                    for (var i = 0; i < n; i++)
                        if (a.IsValid(i)) choice[i] = k;
                }
                return TakeKernel.Choose(cast, choice, type);
            }
            case "array":
            {
                var (type, _) = FunctionTypes.Result(f, argTypes);
                var lt = (ListType)type;
                var m = args.Length;
                var offsets = new int[n + 1];
                for (var i = 0; i <= n; i++) offsets[i] = i * m;
                IArrowArray child;
                if (m == 0) child = ArrayFactory.Nulls(lt.ValueDataType, 0);
                else
                {
                    var cast = args.Select(a => CastKernels.Cast(a!, lt.ValueDataType)).ToList();
                    var all = m == 1 ? cast[0] : ArrowArrayConcatenator.Concatenate(cast, ManagedMemoryAllocator.Instance);
                    var idx = new int[n * m];
                    for (var i = 0; i < n; i++)
                        for (var k = 0; k < m; k++) idx[i * m + k] = k * n + i;
                    child = TakeKernel.Take(all, idx);
                }
                var nullable = new ListType(new Field("element", lt.ValueDataType, ElementNullable(f, batch.Schema)));
                return ArrayFactory.List(nullable, offsets, child, null, n);
            }
            case "from_json":
            {
                if (f.Args.Count is < 2 or > 3) FunctionTypes.Result(f, [(StringType.Default, true)]);
                var type = FunctionTypes.JsonSchemaOf(f);
                return JsonKernels.FromJson(Str(0), type);
            }
            case "to_json":
                return JsonKernels.ToJson(args[0]!);
            case "window_time":
                return Operators.Windows.WindowTime.Of(args[0]!);
            case "current_timestamp" or "now" or "localtimestamp":
                return ArrayFactory.Broadcast(ctx.BatchTimestampMicros, DataTypes.Timestamp, n);
            case "current_date" or "curdate":
                return ArrayFactory.Broadcast((int)Math.Floor(ctx.BatchTimestampMicros / (double)DateTimeText.MicrosPerDay), DataTypes.Date, n);
            case "isnull": return LogicKernels.IsNull(args[0]!, negate: false);
            case "isnotnull": return LogicKernels.IsNull(args[0]!, negate: true);
            case "positive": return args[0]!;
            case "negative": return ArithmeticKernels.Negate(args[0]!);
            case "abs":
            {
                var a = args[0]!;
                var neg = ArithmeticKernels.Negate(a);
                var isNeg = ComparisonKernels.Compare(BinaryOp.LessThan, a, ArrayFactory.Broadcast(0, Int32Type.Default, n), TypeCoercion.WiderNumeric(a.Data.DataType, Int32Type.Default));
                var choice = new int[n];
                for (var i = 0; i < n; i++) choice[i] = isNeg.GetValue(i) == true ? 1 : 0;
                return TakeKernel.Choose([a, neg], choice, a.Data.DataType);
            }
            default:
                throw new AnalysisException(
                    $"[UNRESOLVED_ROUTINE] Cannot resolve routine `{f.Name}` on search path [`system`.`builtin`, `system`.`session`].");
        }
    }

    private static bool ElementNullable(FunctionCall f, Schema schema)
    {
        try
        {
            return ExpressionTyper.TypeOf(f, schema) is ListType lt && lt.ValueField.IsNullable;
        }
        catch (AnalysisException)
        {
            return true;
        }
    }

    private static StringArray AsString(IArrowArray a) => a as StringArray ?? (StringArray)CastKernels.Cast(a, StringType.Default);
}
