using Apache.Arrow.Types;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Expressions;

/// <summary>Spark's implicit type promotion rules, shared by the typer and the evaluator so both agree on every result type.</summary>
internal static class TypeCoercion
{
    public static bool IsIntegral(IArrowType t) => t.TypeId is ArrowTypeId.Int8 or ArrowTypeId.Int16 or ArrowTypeId.Int32 or ArrowTypeId.Int64;

    public static bool IsFractional(IArrowType t) => t.TypeId is ArrowTypeId.Float or ArrowTypeId.Double;

    public static bool IsNumeric(IArrowType t) => IsIntegral(t) || IsFractional(t) || t.TypeId == ArrowTypeId.Decimal128;

    public static bool IsString(IArrowType t) => t.TypeId == ArrowTypeId.String;

    public static bool IsNull(IArrowType t) => t.TypeId == ArrowTypeId.Null;

    private static int Rank(IArrowType t) => t.TypeId switch
    {
        ArrowTypeId.Int8 => 1,
        ArrowTypeId.Int16 => 2,
        ArrowTypeId.Int32 => 3,
        ArrowTypeId.Int64 => 4,
        ArrowTypeId.Decimal128 => 5,
        ArrowTypeId.Float => 6,
        ArrowTypeId.Double => 7,
        _ => 0,
    };

    /// <summary>The decimal type that holds every value of an integral type.</summary>
    public static Decimal128Type AsDecimal(IArrowType t) => t switch
    {
        Decimal128Type d => d,
        _ => t.TypeId switch
        {
            ArrowTypeId.Int8 => new Decimal128Type(3, 0),
            ArrowTypeId.Int16 => new Decimal128Type(5, 0),
            ArrowTypeId.Int32 => new Decimal128Type(10, 0),
            _ => new Decimal128Type(20, 0),
        },
    };

    private static Decimal128Type Bounded(int precision, int scale)
    {
        if (precision <= 38) return new Decimal128Type(precision, scale);
        var intDigits = precision - scale;
        var minScale = Math.Min(scale, 6);
        var s = Math.Max(38 - intDigits, minScale);
        return new Decimal128Type(38, s);
    }

    /// <summary>The wider of two numeric types (byte &lt; short &lt; int &lt; bigint &lt; decimal &lt; float &lt; double).</summary>
    public static IArrowType WiderNumeric(IArrowType a, IArrowType b)
    {
        if (a is Decimal128Type || b is Decimal128Type)
        {
            if (IsFractional(a) || IsFractional(b)) return DoubleType.Default;
            var da = AsDecimal(a);
            var db = AsDecimal(b);
            var scale = Math.Max(da.Scale, db.Scale);
            var intDigits = Math.Max(da.Precision - da.Scale, db.Precision - db.Scale);
            return Bounded(intDigits + scale, scale);
        }
        if (a.TypeId == ArrowTypeId.Float && b.TypeId == ArrowTypeId.Float) return FloatType.Default;
        if (IsFractional(a) || IsFractional(b)) return DoubleType.Default;
        return Rank(a) >= Rank(b) ? a : b;
    }

    /// <summary>The result type of an arithmetic operator, or throws when the operands are not numeric.</summary>
    public static IArrowType Arithmetic(BinaryOp op, IArrowType a, IArrowType b, Func<string> sql)
    {
        if (IsNull(a) && IsNull(b)) return op == BinaryOp.Divide ? DoubleType.Default : Int32Type.Default;
        if (IsNull(a)) a = IsNumeric(b) ? b : DoubleType.Default;
        if (IsNull(b)) b = IsNumeric(a) ? a : DoubleType.Default;
        if (IsString(a)) a = DoubleType.Default;
        if (IsString(b)) b = DoubleType.Default;
        if (!IsNumeric(a) || !IsNumeric(b))
            throw new AnalysisException(
                $"[DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES] Cannot resolve \"{sql()}\" due to data type mismatch: the operator requires numeric operands, but got \"{DataTypes.ToDdl(a).ToUpperInvariant()}\" and \"{DataTypes.ToDdl(b).ToUpperInvariant()}\".");
        if (a is Decimal128Type || b is Decimal128Type)
        {
            if (IsFractional(a) || IsFractional(b)) return DoubleType.Default;
            var d1 = AsDecimal(a);
            var d2 = AsDecimal(b);
            int p1 = d1.Precision, s1 = d1.Scale, p2 = d2.Precision, s2 = d2.Scale;
            return op switch
            {
                BinaryOp.Add or BinaryOp.Subtract => Bounded(Math.Max(p1 - s1, p2 - s2) + Math.Max(s1, s2) + 1, Math.Max(s1, s2)),
                BinaryOp.Multiply => Bounded(p1 + p2 + 1, s1 + s2),
                BinaryOp.Divide => Bounded(p1 - s1 + s2 + Math.Max(6, s1 + p2 + 1), Math.Max(6, s1 + p2 + 1)),
                _ => Bounded(Math.Min(p1 - s1, p2 - s2) + Math.Max(s1, s2), Math.Max(s1, s2)),
            };
        }
        if (op == BinaryOp.Divide) return DoubleType.Default;
        return WiderNumeric(a, b);
    }

    /// <summary>The type both sides of a comparison are cast to, or null when they cannot be compared.</summary>
    public static IArrowType? Comparison(IArrowType a, IArrowType b)
    {
        if (IsNull(a)) return IsNull(b) ? BooleanType.Default : b;
        if (IsNull(b)) return a;
        if (DataTypes.SameType(a, b)) return a;
        if (IsNumeric(a) && IsNumeric(b)) return WiderNumeric(a, b);
        if (IsString(a) && b.TypeId is ArrowTypeId.Timestamp or ArrowTypeId.Date32) return b;
        if (IsString(b) && a.TypeId is ArrowTypeId.Timestamp or ArrowTypeId.Date32) return a;
        if (a.TypeId == ArrowTypeId.Timestamp && b.TypeId == ArrowTypeId.Date32) return a;
        if (b.TypeId == ArrowTypeId.Timestamp && a.TypeId == ArrowTypeId.Date32) return b;
        if (IsString(a) && (IsNumeric(b) || b.TypeId == ArrowTypeId.Boolean)) return b;
        if (IsString(b) && (IsNumeric(a) || a.TypeId == ArrowTypeId.Boolean)) return a;
        return null;
    }

    /// <summary>The common type of values combined into one column (CASE branches, coalesce, array, union), or null.</summary>
    public static IArrowType? Common(IArrowType a, IArrowType b)
    {
        if (IsNull(a)) return b;
        if (IsNull(b)) return a;
        if (DataTypes.SameType(a, b)) return a;
        if (IsNumeric(a) && IsNumeric(b)) return WiderNumeric(a, b);
        if (a.TypeId == ArrowTypeId.Timestamp && b.TypeId == ArrowTypeId.Date32) return a;
        if (b.TypeId == ArrowTypeId.Timestamp && a.TypeId == ArrowTypeId.Date32) return b;
        if (IsString(a) && b is not (StructType or ListType or MapType or BinaryType)) return a;
        if (IsString(b) && a is not (StructType or ListType or MapType or BinaryType)) return b;
        if (a is StructType sa && b is StructType sb && sa.Fields.Count == sb.Fields.Count)
        {
            var fields = new List<Apache.Arrow.Field>();
            for (var i = 0; i < sa.Fields.Count; i++)
            {
                var t = Common(sa.Fields[i].DataType, sb.Fields[i].DataType);
                if (t is null) return null;
                fields.Add(new Apache.Arrow.Field(sa.Fields[i].Name, t, sa.Fields[i].IsNullable || sb.Fields[i].IsNullable));
            }
            return new StructType(fields);
        }
        if (a is ListType la && b is ListType lb)
        {
            var t = Common(la.ValueDataType, lb.ValueDataType);
            return t is null ? null : new ListType(new Apache.Arrow.Field("element", t, la.ValueField.IsNullable || lb.ValueField.IsNullable));
        }
        return null;
    }

    /// <summary>Whether Spark allows casting <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static bool CanCast(IArrowType from, IArrowType to)
    {
        if (IsNull(from) || DataTypes.SameType(from, to)) return true;
        if (IsString(to)) return true;
        var f = from.TypeId;
        var t = to.TypeId;
        bool Scalar(ArrowTypeId id) => id is ArrowTypeId.Boolean or ArrowTypeId.Int8 or ArrowTypeId.Int16 or ArrowTypeId.Int32 or ArrowTypeId.Int64
            or ArrowTypeId.Float or ArrowTypeId.Double or ArrowTypeId.Decimal128;
        if (Scalar(f) && (Scalar(t) || t == ArrowTypeId.Timestamp)) return true;
        if (f == ArrowTypeId.Timestamp && (Scalar(t) || t is ArrowTypeId.Date32 or ArrowTypeId.Timestamp)) return true;
        if (f == ArrowTypeId.Date32 && t is ArrowTypeId.Timestamp or ArrowTypeId.Date32) return true;
        if (f == ArrowTypeId.String && (Scalar(t) || t is ArrowTypeId.Timestamp or ArrowTypeId.Date32 or ArrowTypeId.Binary)) return true;
        if (f == ArrowTypeId.Binary && t == ArrowTypeId.Binary) return true;
        if (from is StructType fs && to is StructType ts && fs.Fields.Count == ts.Fields.Count)
        {
            for (var i = 0; i < fs.Fields.Count; i++)
                if (!CanCast(fs.Fields[i].DataType, ts.Fields[i].DataType)) return false;
            return true;
        }
        if (from is MapType fm && to is MapType tm)
            return CanCast(fm.KeyField.DataType, tm.KeyField.DataType) && CanCast(fm.ValueField.DataType, tm.ValueField.DataType);
        if (from is ListType fl && to is ListType tl) return CanCast(fl.ValueDataType, tl.ValueDataType);
        return false;
    }
}
