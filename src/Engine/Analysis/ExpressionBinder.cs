using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Analysis.Bound;
using OrleansStream.Engine.Analysis.Functions;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Analysis;

/// <summary>
/// Binds <see cref="Expr"/> trees to an input schema once, at planning: column names become ordinals, every node's type is
/// fixed by Spark's rules, functions are looked up in the <see cref="FunctionRegistry"/> and their literal arguments read.
/// The result, a <see cref="BoundExpr"/>, is evaluated per batch without any lookup or inference.
/// </summary>
/// <remarks>
/// One binder may bind several expressions over the same input (a projection's items): a sub-expression they have in
/// common is bound once and given a slot, so it is computed once per batch. A constant operand facing a column is folded
/// into a one-row array. In typing mode (<see cref="TypeOf"/>) the binder only types: it accepts aggregates, generators and
/// window keys, whose operators evaluate them, and reads no literal arguments.
/// </remarks>
internal sealed class ExpressionBinder
{
    private readonly Schema _schema;
    private readonly FunctionRegistry _functions;
    private readonly bool _typingOnly;
    private readonly Dictionary<Expr, BoundExpr>? _shared;

    /// <summary>A binder over <paramref name="schema"/> with the functions of <paramref name="functions"/> (the built-ins when null).</summary>
    public ExpressionBinder(Schema schema, FunctionRegistry? functions = null)
        : this(schema, functions ?? FunctionRegistry.Builtin, typingOnly: false)
    {
    }

    private ExpressionBinder(Schema schema, FunctionRegistry functions, bool typingOnly)
    {
        _schema = schema ?? throw new ArgumentNullException(nameof(schema));
        _functions = functions;
        _typingOnly = typingOnly;
        _shared = typingOnly ? null : new Dictionary<Expr, BoundExpr>(ExprKeyComparer.Instance);
    }

    /// <summary>How many shared results an <see cref="EvaluationScope"/> for the expressions bound so far must hold.</summary>
    public int SlotCount { get; private set; }

    /// <summary>The input schema.</summary>
    public Schema Schema => _schema;

    /// <summary>Binds <paramref name="expr"/> for evaluation.</summary>
    /// <exception cref="AnalysisException">Unknown column or function, a type mismatch, an aggregate or generator outside its
    /// operator, or a non-literal argument where a literal is required.</exception>
    public BoundExpr Bind(Expr expr)
    {
        ArgumentNullException.ThrowIfNull(expr);
        return BindShared(expr);
    }

    /// <summary>The type and nullability of <paramref name="expr"/> over <paramref name="schema"/> (aggregates and generators allowed).</summary>
    /// <exception cref="AnalysisException">The expression does not resolve.</exception>
    public static (IArrowType Type, bool Nullable) TypeOf(Expr expr, Schema schema)
    {
        var bound = new ExpressionBinder(schema, FunctionRegistry.Builtin, typingOnly: true).BindShared(expr);
        return (bound.Type, bound.Nullable);
    }

    // Sub-expressions worth sharing are those that compute something: column references and literals cost nothing.
    private static bool IsShareable(Expr e) => e is BinaryExpr or UnaryExpr or CastExpr or CaseWhen or FunctionCall;

    private BoundExpr BindShared(Expr expr)
    {
        if (_shared is null || !IsShareable(expr)) return BindNew(expr);
        if (_shared.TryGetValue(expr, out var known))
        {
            if (known.Slot < 0) known.Slot = SlotCount++;
            return known;
        }
        var bound = BindNew(expr);
        _shared[expr] = bound;
        return bound;
    }

    private BoundExpr BindNew(Expr expr) => expr switch
    {
        ColumnRef c => BindColumn(c),
        Star s => throw new AnalysisException($"[INVALID_USAGE_OF_STAR_OR_REGEX] Invalid usage of '{(s.Qualifier is null ? "*" : s.Qualifier + ".*")}' in expression."),
        Literal l => new BoundLiteral(l.Value, LiteralType(l)),
        Alias a => BindShared(a.Child),
        BinaryExpr b => BindBinary(b),
        UnaryExpr u => BindUnary(u),
        CastExpr c => BindCast(c),
        CaseWhen cw => BindCase(cw),
        FunctionCall f => BindCall(f),
        GetField g => BindGetField(g),
        _ => throw new AnalysisException($"Unsupported expression {expr.GetType().Name}."),
    };

    private BoundColumn BindColumn(ColumnRef c)
    {
        var r = ColumnResolver.Resolve(_schema, c);
        var type = r.Field.DataType is TimestampType ? DataTypes.Timestamp : r.Field.DataType;
        return new BoundColumn(r.ColumnIndex, r.FieldPath, type, r.Field.IsNullable);
    }

    private static IArrowType LiteralType(Literal l)
    {
        try
        {
            return ArrayFactory.ParseTypeCached(l.TypeName);
        }
        catch (FormatException ex)
        {
            throw new AnalysisException($"[UNSUPPORTED_DATATYPE] Unsupported literal type \"{l.TypeName}\".", ex);
        }
    }

    private BoundExpr BindBinary(BinaryExpr b)
    {
        if (BindIntervalShift(b) is { } shifted) return shifted;
        var l = BindShared(b.Left);
        var r = BindShared(b.Right);
        if (ExpressionTyper.IsArithmetic(b.Op))
        {
            var type = TypeCoercion.Arithmetic(b.Op, l.Type, r.Type, () => ExpressionTyper.ToSql(b));
            (l, r) = Operands(b, l, r);
            return new BoundArithmetic(b.Op, l, r, type, l.Nullable || r.Nullable || b.Op is BinaryOp.Divide or BinaryOp.Modulo);
        }
        if (ExpressionTyper.IsComparison(b.Op))
        {
            var common = TypeCoercion.Comparison(l.Type, r.Type)
                ?? throw new AnalysisException(
                    $"[DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES] Cannot resolve \"{ExpressionTyper.ToSql(b)}\" due to data type mismatch: the left and right operands of the binary operator have incompatible types (\"{DataTypes.ToDdl(l.Type).ToUpperInvariant()}\" and \"{DataTypes.ToDdl(r.Type).ToUpperInvariant()}\").");
            (l, r) = Operands(b, l, r);
            return new BoundComparison(b.Op, l, r, common, b.Op != BinaryOp.EqualNullSafe && (l.Nullable || r.Nullable));
        }
        RequireBoolean(b, b.Left, l.Type);
        RequireBoolean(b, b.Right, r.Type);
        return new BoundLogic(b.Op == BinaryOp.And, l, r, l.Nullable || r.Nullable);
    }

    // timestamp + interval, interval + timestamp, timestamp - interval: an interval is only ever a literal here (the SQL
    // parser's INTERVAL), so the shift is one constant.
    private BoundTimestampShift? BindIntervalShift(BinaryExpr b)
    {
        if (b.Op is not (BinaryOp.Add or BinaryOp.Subtract)) return null;
        var (timestamp, micros) = IntervalMicros(b.Right) is { } right ? (b.Left, b.Op == BinaryOp.Add ? right : -right)
            : b.Op == BinaryOp.Add && IntervalMicros(b.Left) is { } left ? (b.Right, left)
            : (null, 0L);
        if (timestamp is null)
        {
            if (IntervalMicros(b.Left) is not null || IntervalMicros(b.Right) is not null)
                throw new AnalysisException($"[DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES] Cannot resolve \"{ExpressionTyper.ToSql(b)}\" due to data type mismatch: an interval can only be added to or subtracted from a timestamp.");
            return null;
        }
        var child = BindShared(timestamp);
        if (child.Type is not TimestampType)
            throw new AnalysisException(
                $"[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{ExpressionTyper.ToSql(b)}\" due to data type mismatch: the interval is added to \"{ExpressionTyper.ToSql(timestamp)}\" of type \"{DataTypes.ToDdl(child.Type).ToUpperInvariant()}\", which requires the \"TIMESTAMP\" type.");
        return new BoundTimestampShift(child, micros);
    }

    private static long? IntervalMicros(Expr e) => e switch
    {
        Literal { TypeName: var t, Value: long micros } when t.StartsWith("interval", StringComparison.OrdinalIgnoreCase) => micros,
        Literal { TypeName: var t, Value: int micros } when t.StartsWith("interval", StringComparison.OrdinalIgnoreCase) => micros,
        Alias a => IntervalMicros(a.Child),
        _ => null,
    };

    /// <summary>A binary operator's operands: a constant facing a column is folded into one row, which the kernels apply to
    /// every row without materialising it as a column.</summary>
    private (BoundExpr Left, BoundExpr Right) Operands(BinaryExpr b, BoundExpr left, BoundExpr right)
    {
        if (_typingOnly) return (left, right);
        var leftConstant = IsConstant(b.Left);
        if (leftConstant == IsConstant(b.Right)) return (left, right);
        return leftConstant
            ? (new BoundConstant(() => Constant(b.Left), left.Type, left.Nullable), right)
            : (left, new BoundConstant(() => Constant(b.Right), right.Type, right.Nullable));
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

    private BoundUnary BindUnary(UnaryExpr u)
    {
        var c = BindShared(u.Child);
        switch (u.Op)
        {
            case UnaryOp.Not:
                RequireBoolean(u, u.Child, c.Type);
                return new BoundUnary(u.Op, c, BooleanType.Default, c.Nullable);
            case UnaryOp.Negate:
                if (!TypeCoercion.IsNumeric(c.Type) && c.Type is not NullType)
                    throw new AnalysisException($"[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{ExpressionTyper.ToSql(u)}\" due to data type mismatch: the operand requires a numeric type, however \"{ExpressionTyper.ToSql(u.Child)}\" has the type \"{DataTypes.ToDdl(c.Type).ToUpperInvariant()}\".");
                return new BoundUnary(u.Op, c, c.Type is NullType ? Int32Type.Default : c.Type, c.Nullable);
            default:
                return new BoundUnary(u.Op, c, BooleanType.Default, false);
        }
    }

    private BoundCast BindCast(CastExpr c)
    {
        var child = BindShared(c.Child);
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
                $"[DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION] Cannot resolve \"{ExpressionTyper.ToSql(c)}\" due to data type mismatch: cannot cast \"{DataTypes.ToDdl(child.Type).ToUpperInvariant()}\" to \"{DataTypes.ToDdl(target).ToUpperInvariant()}\".");
        var safe = DataTypes.SameType(child.Type, target) || target is StringType
            || (TypeCoercion.IsNumeric(child.Type) && TypeCoercion.IsNumeric(target) && target is not Decimal128Type);
        return new BoundCast(child, target, child.Nullable || !safe);
    }

    private BoundCase BindCase(CaseWhen cw)
    {
        IArrowType t = NullType.Default;
        var nullable = cw.Else is null;
        var conditions = new BoundExpr[cw.Branches.Count];
        var values = new BoundExpr[cw.Branches.Count + (cw.Else is null ? 0 : 1)];
        for (var i = 0; i < cw.Branches.Count; i++)
        {
            var br = cw.Branches[i];
            conditions[i] = BindShared(br.Condition);
            RequireBoolean(cw, br.Condition, conditions[i].Type);
            values[i] = BindShared(br.Value);
            nullable |= values[i].Nullable;
            t = TypeCoercion.Common(t, values[i].Type) ?? throw CaseMismatch(cw, t, values[i].Type);
        }
        if (cw.Else is not null)
        {
            var e = values[^1] = BindShared(cw.Else);
            nullable |= e.Nullable;
            t = TypeCoercion.Common(t, e.Type) ?? throw CaseMismatch(cw, t, e.Type);
        }
        return new BoundCase(conditions, values, cw.Else is not null, _typingOnly ? null : CaseKernels.StringLiterals(cw), t, nullable);
    }

    private BoundExpr BindCall(FunctionCall f)
    {
        var definition = _functions.Find(f.Name);
        if (!_typingOnly && definition is { Kind: FunctionKind.Aggregate })
            throw new AnalysisException($"[MISSING_GROUP_BY] The aggregate function `{f.Name.ToLowerInvariant()}` can only be used in an aggregation (groupBy(...).agg(...)), not in \"{ExpressionTyper.ToSql(f)}\".");
        if (!_typingOnly && definition is { Kind: FunctionKind.Generator })
            throw new AnalysisException($"[UNSUPPORTED_GENERATOR.OUTSIDE_SELECT] The generator is not supported outside the SELECT clause, but got: \"{ExpressionTyper.ToSql(f)}\".");
        var args = new BoundExpr[f.Args.Count];
        var argTypes = new (IArrowType Type, bool Nullable)[args.Length];
        for (var i = 0; i < args.Length; i++)
        {
            // count(*) counts rows: its star stands for a non-null constant
            args[i] = f.Args[i] is Star && definition is { Kind: FunctionKind.Aggregate } && f.Name.Equals("count", StringComparison.OrdinalIgnoreCase)
                ? new BoundLiteral(1, Int32Type.Default)
                : BindShared(f.Args[i]);
            argTypes[i] = (args[i].Type, args[i].Nullable);
        }
        if (definition is null) throw FunctionRegistry.Unresolved(f);
        var (type, nullable) = definition.ResultOf(f, argTypes);
        if (_typingOnly) return new BoundFunctionCall(definition, args, args.Length, null, type, nullable);
        // A tumbling window has a row-wise meaning (the one window holding the row's time), which joins on equal windows need;
        // sliding and session windows exist only as groupBy keys.
        if (definition.Kernel is null && f.Name.Equals("window", StringComparison.OrdinalIgnoreCase))
        {
            if (args[0].Type is not TimestampType)
                throw new AnalysisException($"[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{ExpressionTyper.ToSql(f)}\" due to data type mismatch: the time column must be a timestamp, not \"{DataTypes.ToDdl(args[0].Type).ToUpperInvariant()}\".");
            return new BoundTumblingWindow(args[0], BoundTumblingWindow.AssignerOf(f));
        }
        // a session window outside groupBy has no row-wise meaning
        if (definition.Kernel is null) throw FunctionRegistry.Unresolved(f);
        var prepared = definition.Prepare?.Invoke(f);
        var evaluated = definition.EvaluatedArguments < 0 ? args.Length : Math.Min(definition.EvaluatedArguments, args.Length);
        return new BoundFunctionCall(definition, args, evaluated, prepared, type, nullable);
    }

    private BoundGetField BindGetField(GetField g)
    {
        var c = BindShared(g.Child);
        if (c.Type is not StructType st)
            throw new AnalysisException($"[INVALID_EXTRACT_BASE_FIELD_TYPE] Can't extract a value from \"{ExpressionTyper.ToSql(g.Child)}\". Need a complex type [STRUCT, ARRAY, MAP] but got \"{DataTypes.ToDdl(c.Type).ToUpperInvariant()}\".");
        var k = StructFieldIndex(st, g.Field);
        if (k < 0)
            throw new AnalysisException($"[FIELD_NOT_FOUND] No such struct field `{g.Field}` in {string.Join(", ", st.Fields.Select(x => "`" + x.Name + "`"))}.");
        var field = st.Fields[k];
        return new BoundGetField(c, k, field.DataType is TimestampType ? DataTypes.Timestamp : field.DataType, c.Nullable || field.IsNullable);
    }

    private static int StructFieldIndex(StructType st, string name)
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
            $"[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{ExpressionTyper.ToSql(parent)}\" due to data type mismatch: the operand \"{ExpressionTyper.ToSql(operand)}\" requires the \"BOOLEAN\" type, however it has the type \"{DataTypes.ToDdl(type).ToUpperInvariant()}\".");
    }

    private static AnalysisException CaseMismatch(CaseWhen cw, IArrowType a, IArrowType b) =>
        new($"[DATATYPE_MISMATCH.DATA_DIFF_TYPES] Cannot resolve \"{ExpressionTyper.ToSql(cw)}\" due to data type mismatch: Input to `casewhen` should all be the same type, but it's [\"{DataTypes.ToDdl(a).ToUpperInvariant()}\", \"{DataTypes.ToDdl(b).ToUpperInvariant()}\"].");
}
