using System.Buffers.Text;
using System.Numerics;
using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Expressions.Kernels;

/// <summary>Vectorised casts with Spark's (non-ANSI) semantics: invalid input gives null, a number cast to timestamp is
/// seconds since the epoch, a timestamp cast to an integral is whole seconds (floor).</summary>
internal static class CastKernels
{
    /// <summary>Casts <paramref name="src"/> to <paramref name="target"/>; returns the same instance when nothing changes. With
    /// <paramref name="buffers"/> (the batch's owner), a number cast to another number is written into an array rented there.</summary>
    public static IArrowArray Cast(IArrowArray src, IArrowType target, BatchBuffers? buffers = null)
    {
        var from = src.Data.DataType;
        if (from is TimestampType ts && ts.Unit != TimeUnit.Microsecond)
        {
            src = NormalizeTimestamp(src, ts);
            from = src.Data.DataType;
        }
        if (IsIdentity(from, target)) return src;
        var n = src.Length;
        if (from.TypeId == ArrowTypeId.Null) return ArrayFactory.Nulls(target, n);
        if (target.TypeId == ArrowTypeId.String) return ToStringArray(src);
        if (target is Decimal128Type dt && DecimalKernels.TryCast(src, dt) is { } scaled) return scaled;
        switch (src)
        {
            case BooleanArray b: return FromBoolean(b, target);
            case TimestampArray t: return FromTimestamp(t, target);
            case Date32Array d: return FromDate(d, target);
            case StringArray s: return FromString(s, target);
            case BinaryArray bin when target.TypeId == ArrowTypeId.Binary: return bin;
            case Decimal128Array dec: return FromDecimal(dec, target);
            case Int8Array a: return FromNumber(a, target, buffers);
            case Int16Array a: return FromNumber(a, target, buffers);
            case Int32Array a: return FromNumber(a, target, buffers);
            case Int64Array a: return FromNumber(a, target, buffers);
            case UInt8Array a: return FromNumber(a, target, buffers);
            case UInt16Array a: return FromNumber(a, target, buffers);
            case UInt32Array a: return FromNumber(a, target, buffers);
            case UInt64Array a: return FromNumber(a, target, buffers);
            case FloatArray a: return FromNumber(a, target, buffers);
            case DoubleArray a: return FromNumber(a, target, buffers);
            case StructArray s when target is StructType st && st.Fields.Count == s.Fields.Count:
            {
                var children = new IArrowArray[st.Fields.Count];
                for (var k = 0; k < children.Length; k++) children[k] = Cast(s.Fields[k], st.Fields[k].DataType);
                return ArrayFactory.Struct(st, children, Bitmaps.Validity(s), n);
            }
            case MapArray m when target is MapType mt:
            {
                var entries = m.KeyValues;
                var kv = new StructArray(mt.KeyValueType, entries.Length,
                    [Cast(entries.Fields[0], mt.KeyField.DataType), Cast(entries.Fields[1], mt.ValueField.DataType)],
                    entries.NullBitmapBuffer, entries.NullCount, entries.Offset);
                return ArrowArrayFactory.BuildArray(new ArrayData(target, n, src.NullCount, src.Offset,
                    [src.Data.Buffers[0], src.Data.Buffers[1]], [kv.Data]));
            }
            case ListArray l when target is ListType lt:
            {
                var values = Cast(l.Values, lt.ValueDataType);
                return ArrowArrayFactory.BuildArray(new ArrayData(target, n, src.NullCount, src.Offset,
                    [src.Data.Buffers[0], src.Data.Buffers[1]], [values.Data]));
            }
        }
        throw new AnalysisException($"[DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION] Cannot cast \"{DataTypes.ToDdl(from).ToUpperInvariant()}\" to \"{DataTypes.ToDdl(target).ToUpperInvariant()}\".");
    }

    private static bool IsIdentity(IArrowType from, IArrowType to)
    {
        if (from.TypeId != to.TypeId) return false;
        return from switch
        {
            Decimal128Type d => d.Precision == ((Decimal128Type)to).Precision && d.Scale == ((Decimal128Type)to).Scale,
            StructType or ListType or MapType => DataTypes.SameType(from, to) && NestedNamesEqual(from, to),
            _ => true,
        };
    }

    private static bool NestedNamesEqual(IArrowType a, IArrowType b)
    {
        if (a is StructType sa && b is StructType sb)
        {
            for (var i = 0; i < sa.Fields.Count; i++)
                if (sa.Fields[i].Name != sb.Fields[i].Name || !NestedNamesEqual(sa.Fields[i].DataType, sb.Fields[i].DataType)) return false;
            return true;
        }
        if (a is MapType ma && b is MapType mb) return NestedNamesEqual(ma.ValueField.DataType, mb.ValueField.DataType) && NestedNamesEqual(ma.KeyField.DataType, mb.KeyField.DataType);
        if (a is ListType la && b is ListType lb) return NestedNamesEqual(la.ValueDataType, lb.ValueDataType);
        return true;
    }

    private static IArrowArray NormalizeTimestamp(IArrowArray src, TimestampType ts)
    {
        var values = ((TimestampArray)src).Values;
        var n = src.Length;
        var bytes = ArrayFactory.NewValues<long>(n);
        var dst = MemoryMarshal.Cast<byte, long>(bytes.AsSpan());
        switch (ts.Unit)
        {
            case TimeUnit.Second: for (var i = 0; i < n; i++) dst[i] = values[i] * 1_000_000; break;
            case TimeUnit.Millisecond: for (var i = 0; i < n; i++) dst[i] = values[i] * 1_000; break;
            default: for (var i = 0; i < n; i++) dst[i] = Int64Math.FloorDiv(values[i], 1000L); break;
        }
        return ArrayFactory.Primitive(DataTypes.Timestamp, bytes, Bitmaps.Validity(src), n);
    }

    // ---------------------------------------------------------------- numbers

    private static IArrowArray FromNumber<T>(PrimitiveArray<T> a, IArrowType target, BatchBuffers? buffers = null) where T : unmanaged, INumber<T>
    {
        switch (target.TypeId)
        {
            case ArrowTypeId.Int8: return Convert<T, sbyte>(a, target, buffers);
            case ArrowTypeId.Int16: return Convert<T, short>(a, target, buffers);
            case ArrowTypeId.Int32: return Convert<T, int>(a, target, buffers);
            case ArrowTypeId.Int64: return Convert<T, long>(a, target, buffers);
            case ArrowTypeId.Float: return Convert<T, float>(a, target, buffers);
            case ArrowTypeId.Double: return Convert<T, double>(a, target, buffers);
            case ArrowTypeId.Boolean:
            {
                var src = a.Values;
                var bits = new byte[BitUtility.ByteCount(a.Length)];
                for (var i = 0; i < src.Length; i++)
                    if (src[i] != T.Zero) Bitmaps.Set(bits, i);
                return ArrayFactory.Boolean(bits, Bitmaps.Validity(a), a.Length);
            }
            case ArrowTypeId.Timestamp:
            {
                var src = a.Values;
                var bytes = ArrayFactory.NewValues<long>(a.Length);
                var dst = MemoryMarshal.Cast<byte, long>(bytes.AsSpan());
                var validity = Bitmaps.Validity(a);
                for (var i = 0; i < src.Length; i++)
                {
                    if (IsFloating<T>())
                    {
                        var d = double.CreateTruncating(src[i]);
                        if (!double.IsFinite(d)) { validity ??= Bitmaps.AllSet(a.Length); Bitmaps.Clear(validity, i); continue; }
                        dst[i] = (long)Math.Floor(d * 1_000_000d);
                    }
                    else dst[i] = unchecked(long.CreateTruncating(src[i]) * 1_000_000L);
                }
                return ArrayFactory.Primitive(target, bytes, validity, a.Length);
            }
            case ArrowTypeId.Decimal128:
            {
                var dt = (Decimal128Type)target;
                var src = a.Values;
                var b = new Decimal128Array.Builder(dt);
                b.Reserve(a.Length);
                for (var i = 0; i < src.Length; i++)
                {
                    if (a.IsNull(i)) { b.AppendNull(); continue; }
                    if (TryToDecimal(src[i], out var d) && FitDecimal(ref d, dt)) b.Append(d);
                    else b.AppendNull();
                }
                return b.Build(ManagedMemoryAllocator.Instance);
            }
        }
        throw Unsupported(a.Data.DataType, target);
    }

    private static bool TryToDecimal<T>(T v, out decimal d) where T : INumber<T>
    {
        if (IsFloating<T>())
        {
            var x = double.CreateTruncating(v);
            if (!double.IsFinite(x) || Math.Abs(x) >= 7.9e28) { d = 0; return false; }
            d = (decimal)x;
            return true;
        }
        d = decimal.CreateTruncating(v);
        return true;
    }

    /// <summary>Rounds half-up to the type's scale; false when the value does not fit its precision.</summary>
    internal static bool FitDecimal(ref decimal d, Decimal128Type type)
    {
        d = Math.Round(d, Math.Min(type.Scale, 28), MidpointRounding.AwayFromZero);
        var intDigits = type.Precision - type.Scale;
        if (intDigits >= 29) return true;
        var limit = Pow10(intDigits);
        return Math.Abs(d) < limit;
    }

    private static decimal Pow10(int n)
    {
        var r = 1m;
        for (var i = 0; i < n; i++) r *= 10m;
        return r;
    }

    private static bool IsFloating<T>() => typeof(T) == typeof(double) || typeof(T) == typeof(float) || typeof(T) == typeof(Half);

    // Every value is written (a null row's too), so the column may be rented from the batch's owner.
    private static IArrowArray Convert<TS, TD>(PrimitiveArray<TS> a, IArrowType target, BatchBuffers? buffers = null)
        where TS : unmanaged, INumber<TS> where TD : unmanaged, INumber<TD>
    {
        var src = a.Values;
        var bytes = ArrayFactory.NewValues<TD>(a.Length, buffers);
        var dst = MemoryMarshal.Cast<byte, TD>(bytes.Span);
        if (IsFloating<TS>() && !IsFloating<TD>())
        {
            for (var i = 0; i < src.Length; i++) dst[i] = TD.CreateSaturating(src[i]);
        }
        else
        {
            for (var i = 0; i < src.Length; i++) dst[i] = TD.CreateTruncating(src[i]);
        }
        return ArrayFactory.Primitive(target, bytes, Bitmaps.Validity(a), a.Length);
    }

    private static IArrowArray FromDecimal(Decimal128Array a, IArrowType target)
    {
        var n = a.Length;
        switch (target.TypeId)
        {
            case ArrowTypeId.Decimal128:
            {
                var dt = (Decimal128Type)target;
                var b = new Decimal128Array.Builder(dt);
                b.Reserve(n);
                for (var i = 0; i < n; i++)
                {
                    var v = a.GetValue(i);
                    if (v is not { } d) { b.AppendNull(); continue; }
                    if (FitDecimal(ref d, dt)) b.Append(d);
                    else b.AppendNull();
                }
                return b.Build(ManagedMemoryAllocator.Instance);
            }
            case ArrowTypeId.Boolean:
            {
                var bits = new byte[BitUtility.ByteCount(n)];
                for (var i = 0; i < n; i++)
                    if (a.GetValue(i) is { } d && d != 0) Bitmaps.Set(bits, i);
                return ArrayFactory.Boolean(bits, Bitmaps.Validity(a), n);
            }
            case ArrowTypeId.Timestamp:
            {
                var bytes = ArrayFactory.NewValues<long>(n);
                var dst = MemoryMarshal.Cast<byte, long>(bytes.AsSpan());
                for (var i = 0; i < n; i++)
                    if (a.GetValue(i) is { } d) dst[i] = (long)decimal.Floor(d * 1_000_000m);
                return ArrayFactory.Primitive(target, bytes, Bitmaps.Validity(a), n);
            }
            case ArrowTypeId.Float or ArrowTypeId.Double:
            {
                var bytes = ArrayFactory.NewValues<double>(n);
                var dst = MemoryMarshal.Cast<byte, double>(bytes.AsSpan());
                for (var i = 0; i < n; i++)
                    if (a.GetValue(i) is { } d) dst[i] = (double)d;
                var doubles = (DoubleArray)ArrayFactory.Primitive(DoubleType.Default, bytes, Bitmaps.Validity(a), n);
                return target.TypeId == ArrowTypeId.Double ? doubles : Convert<double, float>(doubles, target);
            }
            case ArrowTypeId.Int8 or ArrowTypeId.Int16 or ArrowTypeId.Int32 or ArrowTypeId.Int64:
            {
                var bytes = ArrayFactory.NewValues<long>(n);
                var dst = MemoryMarshal.Cast<byte, long>(bytes.AsSpan());
                for (var i = 0; i < n; i++)
                    if (a.GetValue(i) is { } d) dst[i] = long.CreateSaturating(decimal.Truncate(d));
                var longs = (Int64Array)ArrayFactory.Primitive(Int64Type.Default, bytes, Bitmaps.Validity(a), n);
                return target.TypeId == ArrowTypeId.Int64 ? longs : FromNumber(longs, target);
            }
        }
        throw Unsupported(a.Data.DataType, target);
    }

    private static IArrowArray FromBoolean(BooleanArray b, IArrowType target)
    {
        var n = b.Length;
        if (target.TypeId is ArrowTypeId.Int8 or ArrowTypeId.Int16 or ArrowTypeId.Int32 or ArrowTypeId.Int64 or ArrowTypeId.Float or ArrowTypeId.Double or ArrowTypeId.Decimal128 or ArrowTypeId.Timestamp)
        {
            var bytes = ArrayFactory.NewValues<int>(n);
            var dst = MemoryMarshal.Cast<byte, int>(bytes.AsSpan());
            var bits = b.ValueBuffer.Span;
            for (var i = 0; i < n; i++) dst[i] = BitUtility.GetBit(bits, b.Offset + i) ? 1 : 0;
            var ints = (Int32Array)ArrayFactory.Primitive(Int32Type.Default, bytes, Bitmaps.Validity(b), n);
            return target.TypeId == ArrowTypeId.Int32 ? ints : FromNumber(ints, target);
        }
        throw Unsupported(b.Data.DataType, target);
    }

    // ---------------------------------------------------------------- date/time

    private static IArrowArray FromTimestamp(TimestampArray t, IArrowType target)
    {
        var src = t.Values;
        var n = t.Length;
        switch (target.TypeId)
        {
            case ArrowTypeId.Timestamp:
                return ArrowArrayFactory.BuildArray(new ArrayData(target, n, t.NullCount, t.Offset, t.Data.Buffers, []));
            case ArrowTypeId.Date32:
            {
                var bytes = ArrayFactory.NewValues<int>(n);
                var dst = MemoryMarshal.Cast<byte, int>(bytes.AsSpan());
                for (var i = 0; i < n; i++) dst[i] = (int)Int64Math.FloorDiv(src[i], DateTimeText.MicrosPerDay);
                return ArrayFactory.Primitive(target, bytes, Bitmaps.Validity(t), n);
            }
            case ArrowTypeId.Double or ArrowTypeId.Float or ArrowTypeId.Decimal128:
            {
                var bytes = ArrayFactory.NewValues<double>(n);
                var dst = MemoryMarshal.Cast<byte, double>(bytes.AsSpan());
                for (var i = 0; i < n; i++) dst[i] = src[i] / 1_000_000d;
                var doubles = (DoubleArray)ArrayFactory.Primitive(DoubleType.Default, bytes, Bitmaps.Validity(t), n);
                return target.TypeId == ArrowTypeId.Double ? doubles : FromNumber(doubles, target);
            }
            case ArrowTypeId.Int8 or ArrowTypeId.Int16 or ArrowTypeId.Int32 or ArrowTypeId.Int64 or ArrowTypeId.Boolean:
            {
                var bytes = ArrayFactory.NewValues<long>(n);
                var dst = MemoryMarshal.Cast<byte, long>(bytes.AsSpan());
                for (var i = 0; i < n; i++) dst[i] = Int64Math.FloorDiv(src[i], DateTimeText.MicrosPerSecond);
                var longs = (Int64Array)ArrayFactory.Primitive(Int64Type.Default, bytes, Bitmaps.Validity(t), n);
                return target.TypeId == ArrowTypeId.Int64 ? longs : FromNumber(longs, target);
            }
        }
        throw Unsupported(t.Data.DataType, target);
    }

    private static IArrowArray FromDate(Date32Array d, IArrowType target)
    {
        var src = d.Values;
        var n = d.Length;
        if (target.TypeId == ArrowTypeId.Timestamp)
        {
            var bytes = ArrayFactory.NewValues<long>(n);
            var dst = MemoryMarshal.Cast<byte, long>(bytes.AsSpan());
            for (var i = 0; i < n; i++) dst[i] = src[i] * DateTimeText.MicrosPerDay;
            return ArrayFactory.Primitive(target, bytes, Bitmaps.Validity(d), n);
        }
        throw Unsupported(d.Data.DataType, target);
    }

    // ---------------------------------------------------------------- strings

    private static IArrowArray FromString(StringArray s, IArrowType target)
    {
        var n = s.Length;
        var offsets = s.ValueOffsets;
        var data = s.Values;
        var validity = Bitmaps.Validity(s) ?? Bitmaps.AllSet(n);
        switch (target.TypeId)
        {
            case ArrowTypeId.Binary:
                return ArrowArrayFactory.BuildArray(new ArrayData(target, n, s.NullCount, s.Offset, s.Data.Buffers, []));
            case ArrowTypeId.Boolean:
            {
                var bits = new byte[BitUtility.ByteCount(n)];
                for (var i = 0; i < n; i++)
                {
                    if (!Bitmaps.Get(validity, i)) continue;
                    if (!NumberText.TryParseBoolean(data[offsets[i]..offsets[i + 1]], out var v)) Bitmaps.Clear(validity, i);
                    else if (v) Bitmaps.Set(bits, i);
                }
                return ArrayFactory.Boolean(bits, validity, n);
            }
            case ArrowTypeId.Int8 or ArrowTypeId.Int16 or ArrowTypeId.Int32 or ArrowTypeId.Int64:
            {
                long min = target.TypeId switch { ArrowTypeId.Int8 => sbyte.MinValue, ArrowTypeId.Int16 => short.MinValue, ArrowTypeId.Int32 => int.MinValue, _ => long.MinValue };
                long max = target.TypeId switch { ArrowTypeId.Int8 => sbyte.MaxValue, ArrowTypeId.Int16 => short.MaxValue, ArrowTypeId.Int32 => int.MaxValue, _ => long.MaxValue };
                var bytes = ArrayFactory.NewValues<long>(n);
                var dst = MemoryMarshal.Cast<byte, long>(bytes.AsSpan());
                for (var i = 0; i < n; i++)
                {
                    if (!Bitmaps.Get(validity, i)) continue;
                    if (NumberText.TryParseLong(data[offsets[i]..offsets[i + 1]], out var v) && v >= min && v <= max) dst[i] = v;
                    else Bitmaps.Clear(validity, i);
                }
                var longs = (Int64Array)ArrayFactory.Primitive(Int64Type.Default, bytes, validity, n);
                return target.TypeId == ArrowTypeId.Int64 ? longs : FromNumber(longs, target);
            }
            case ArrowTypeId.Float or ArrowTypeId.Double:
            {
                var bytes = ArrayFactory.NewValues<double>(n);
                var dst = MemoryMarshal.Cast<byte, double>(bytes.AsSpan());
                for (var i = 0; i < n; i++)
                {
                    if (!Bitmaps.Get(validity, i)) continue;
                    if (NumberText.TryParseDouble(data[offsets[i]..offsets[i + 1]], out var v)) dst[i] = v;
                    else Bitmaps.Clear(validity, i);
                }
                var doubles = (DoubleArray)ArrayFactory.Primitive(DoubleType.Default, bytes, validity, n);
                return target.TypeId == ArrowTypeId.Double ? doubles : FromNumber(doubles, target);
            }
            case ArrowTypeId.Decimal128:
            {
                var dt = (Decimal128Type)target;
                var b = new Decimal128Array.Builder(dt);
                b.Reserve(n);
                for (var i = 0; i < n; i++)
                {
                    if (Bitmaps.Get(validity, i) && NumberText.TryParseDecimal(data[offsets[i]..offsets[i + 1]], out var v) && FitDecimal(ref v, dt)) b.Append(v);
                    else b.AppendNull();
                }
                return b.Build(ManagedMemoryAllocator.Instance);
            }
            case ArrowTypeId.Timestamp:
            {
                var bytes = ArrayFactory.NewValues<long>(n);
                var dst = MemoryMarshal.Cast<byte, long>(bytes.AsSpan());
                for (var i = 0; i < n; i++)
                {
                    if (!Bitmaps.Get(validity, i)) continue;
                    if (DateTimeText.TryParseTimestamp(data[offsets[i]..offsets[i + 1]], out var v)) dst[i] = v;
                    else Bitmaps.Clear(validity, i);
                }
                return ArrayFactory.Primitive(target, bytes, validity, n);
            }
            case ArrowTypeId.Date32:
            {
                var bytes = ArrayFactory.NewValues<int>(n);
                var dst = MemoryMarshal.Cast<byte, int>(bytes.AsSpan());
                for (var i = 0; i < n; i++)
                {
                    if (!Bitmaps.Get(validity, i)) continue;
                    if (DateTimeText.TryParseDate(data[offsets[i]..offsets[i + 1]], out var v)) dst[i] = v;
                    else Bitmaps.Clear(validity, i);
                }
                return ArrayFactory.Primitive(target, bytes, validity, n);
            }
        }
        throw Unsupported(s.Data.DataType, target);
    }

    /// <summary>Any array as Spark's string form.</summary>
    public static IArrowArray ToStringArray(IArrowArray src)
    {
        var n = src.Length;
        switch (src)
        {
            case StringArray s: return s;
            case BinaryArray b:
                return ArrowArrayFactory.BuildArray(new ArrayData(StringType.Default, n, b.NullCount, b.Offset, b.Data.Buffers, []));
        }
        var w = new StringColumnWriter(n, n * 8);
        switch (src)
        {
            case Int32Array a:
            {
                var v = a.Values;
                for (var i = 0; i < n; i++)
                {
                    if (a.IsNull(i)) { w.AppendNull(); continue; }
                    Utf8Formatter.TryFormat(v[i], w.Reserve(11), out var k);
                    w.Commit(k);
                }
                break;
            }
            case Int64Array a:
            {
                var v = a.Values;
                for (var i = 0; i < n; i++)
                {
                    if (a.IsNull(i)) { w.AppendNull(); continue; }
                    Utf8Formatter.TryFormat(v[i], w.Reserve(20), out var k);
                    w.Commit(k);
                }
                break;
            }
            case DoubleArray a:
            {
                var v = a.Values;
                for (var i = 0; i < n; i++)
                {
                    if (a.IsNull(i)) { w.AppendNull(); continue; }
                    w.Commit(NumberText.FormatDouble(v[i], w.Reserve(32)));
                }
                break;
            }
            case TimestampArray a:
            {
                var v = a.Values;
                for (var i = 0; i < n; i++)
                {
                    if (a.IsNull(i)) { w.AppendNull(); continue; }
                    w.Commit(DateTimeText.FormatTimestamp(v[i], w.Reserve(40)));
                }
                break;
            }
            case Date32Array a:
            {
                var v = a.Values;
                for (var i = 0; i < n; i++)
                {
                    if (a.IsNull(i)) { w.AppendNull(); continue; }
                    w.Commit(DateTimeText.FormatDate(v[i], w.Reserve(16)));
                }
                break;
            }
            default:
                for (var i = 0; i < n; i++)
                {
                    if (src.IsNull(i)) { w.AppendNull(); continue; }
                    ValueFormatter.AppendValue(w, src, i);
                    w.EndValue();
                }
                break;
        }
        return w.Build();
    }

    private static AnalysisException Unsupported(IArrowType from, IArrowType to) =>
        new($"[DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION] Cannot cast \"{DataTypes.ToDdl(from).ToUpperInvariant()}\" to \"{DataTypes.ToDdl(to).ToUpperInvariant()}\".");
}
