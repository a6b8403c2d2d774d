using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Expressions.Kernels;

/// <summary>Builds Arrow arrays from raw buffers, all-null arrays and broadcast literals.</summary>
internal static class ArrayFactory
{
    private static readonly ConcurrentDictionary<string, IArrowType> TypeCache = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Parses a Spark type name, cached.</summary>
    public static IArrowType ParseTypeCached(string typeName) => TypeCache.GetOrAdd(typeName, static t => DataTypes.ParseType(t));

    /// <summary>A new zeroed value buffer for <paramref name="length"/> values of <typeparamref name="T"/>.</summary>
    public static byte[] NewValues<T>(int length) where T : unmanaged => new byte[length * Unsafe.SizeOf<T>()];

    /// <summary>
    /// A buffer of <paramref name="bytes"/> bytes for a column the caller writes in full: rented from <paramref name="buffers"/>
    /// (the batch's owner, so of unspecified content) when there is one, else a new zeroed array.
    /// </summary>
    public static Memory<byte> NewBuffer(int bytes, BatchBuffers? buffers) =>
        buffers is null || bytes == 0 ? new byte[bytes] : buffers.Rent(bytes).AsMemory(0, bytes);

    /// <summary><see cref="NewBuffer"/> for <paramref name="length"/> values of <typeparamref name="T"/>.</summary>
    public static Memory<byte> NewValues<T>(int length, BatchBuffers? buffers) where T : unmanaged =>
        NewBuffer(length * Unsafe.SizeOf<T>(), buffers);

    /// <summary>Wraps a fixed-width value buffer and an optional validity bitmap as an array of <paramref name="type"/>.</summary>
    public static IArrowArray Primitive(IArrowType type, byte[] values, byte[]? validity, int length) =>
        Primitive(type, values.AsMemory(), validity, length);

    /// <summary>As <see cref="Primitive(IArrowType, byte[], byte[], int)"/>, over part of an array (a pooled one, longer than the values).</summary>
    public static IArrowArray Primitive(IArrowType type, ReadOnlyMemory<byte> values, byte[]? validity, int length)
    {
        var nullBuffer = Bitmaps.ToBuffer(validity, length, out var nulls);
        return ArrowArrayFactory.BuildArray(new ArrayData(type, length, nulls, 0, [nullBuffer, new ArrowBuffer(values)], []));
    }

    /// <summary>A boolean array from value bits and optional validity.</summary>
    public static BooleanArray Boolean(byte[] valueBits, byte[]? validity, int length)
    {
        var nullBuffer = Bitmaps.ToBuffer(validity, length, out var nulls);
        return new BooleanArray(new ArrowBuffer(valueBits), nullBuffer, length, nulls, 0);
    }

    /// <summary>A struct array over <paramref name="children"/>.</summary>
    public static StructArray Struct(StructType type, IReadOnlyList<IArrowArray> children, byte[]? validity, int length)
    {
        var nullBuffer = Bitmaps.ToBuffer(validity, length, out var nulls);
        return new StructArray(type, length, children, nullBuffer, nulls, 0);
    }

    /// <summary>A list (or map) array from int32 offsets and a child array.</summary>
    public static IArrowArray List(IArrowType type, int[] offsets, IArrowArray values, byte[]? validity, int length)
    {
        var nullBuffer = Bitmaps.ToBuffer(validity, length, out var nulls);
        var offsetBytes = new byte[(length + 1) * sizeof(int)];
        MemoryMarshal.AsBytes(offsets.AsSpan(0, length + 1)).CopyTo(offsetBytes);
        return ArrowArrayFactory.BuildArray(new ArrayData(type, length, nulls, 0, [nullBuffer, new ArrowBuffer(offsetBytes)], [values.Data]));
    }

    /// <summary>An array of <paramref name="length"/> nulls of any type.</summary>
    public static IArrowArray Nulls(IArrowType type, int length)
    {
        var validity = new ArrowBuffer(new byte[BitUtility.ByteCount(length)]);
        switch (type)
        {
            case NullType:
                return new NullArray(length);
            case BooleanType:
                return new BooleanArray(new ArrowBuffer(new byte[BitUtility.ByteCount(length)]), validity, length, length, 0);
            case FixedWidthType fw:
                return ArrowArrayFactory.BuildArray(new ArrayData(type, length, length, 0,
                    [validity, new ArrowBuffer(new byte[length * ((fw.BitWidth + 7) / 8)])], []));
            case StringType or BinaryType:
                return ArrowArrayFactory.BuildArray(new ArrayData(type, length, length, 0,
                    [validity, new ArrowBuffer(new byte[(length + 1) * 4]), ArrowBuffer.Empty], []));
            case StructType st:
                return new StructArray(st, length, st.Fields.Select(f => Nulls(f.DataType, length)).ToList(), validity, length, 0);
            case MapType mt:
                return ArrowArrayFactory.BuildArray(new ArrayData(type, length, length, 0,
                    [validity, new ArrowBuffer(new byte[(length + 1) * 4])], [Nulls(mt.KeyValueType, 0).Data]));
            case ListType lt:
                return ArrowArrayFactory.BuildArray(new ArrayData(type, length, length, 0,
                    [validity, new ArrowBuffer(new byte[(length + 1) * 4])], [Nulls(lt.ValueDataType, 0).Data]));
            default:
                throw new NotSupportedException($"Cannot build a null column of type {DataTypes.ToDdl(type)}.");
        }
    }

    /// <summary>The value of a literal repeated <paramref name="length"/> times, typed by the literal's type name.</summary>
    public static IArrowArray Broadcast(Literal literal, int length)
    {
        var type = ParseTypeCached(literal.TypeName);
        return Broadcast(literal.Value, type, length);
    }

    /// <summary>A CLR value repeated <paramref name="length"/> times as an array of <paramref name="type"/>.</summary>
    public static IArrowArray Broadcast(object? value, IArrowType type, int length)
    {
        if (value is null || type is NullType) return Nulls(type, length);
        var ci = System.Globalization.CultureInfo.InvariantCulture;
        switch (type.TypeId)
        {
            case ArrowTypeId.Boolean:
            {
                var bits = new byte[BitUtility.ByteCount(length)];
                if (Convert.ToBoolean(value, ci)) bits.AsSpan().Fill(0xFF);
                return Boolean(bits, null, length);
            }
            case ArrowTypeId.Int8: return Fill(type, Convert.ToSByte(value, ci), length);
            case ArrowTypeId.Int16: return Fill(type, Convert.ToInt16(value, ci), length);
            case ArrowTypeId.Int32: return Fill(type, Convert.ToInt32(value, ci), length);
            case ArrowTypeId.Int64: return Fill(type, Convert.ToInt64(value, ci), length);
            case ArrowTypeId.Float: return Fill(type, Convert.ToSingle(value, ci), length);
            case ArrowTypeId.Double: return Fill(type, Convert.ToDouble(value, ci), length);
            case ArrowTypeId.Timestamp:
            {
                long micros = value switch
                {
                    DateTime dt => DateTimeText.ToMicros(dt),
                    DateTimeOffset dto => (dto.UtcTicks - DateTime.UnixEpoch.Ticks) / 10,
                    string s when DateTimeText.TryParseTimestamp(Encoding.UTF8.GetBytes(s), out var m) => m,
                    long l => l,
                    _ => throw new ArgumentException($"Cannot use '{value}' as a timestamp literal."),
                };
                return Fill(type, micros, length);
            }
            case ArrowTypeId.Date32:
            {
                int days = value switch
                {
                    DateOnly d => d.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber,
                    DateTime dt => (int)Math.Floor(DateTimeText.ToMicros(dt) / (double)DateTimeText.MicrosPerDay),
                    string s when DateTimeText.TryParseDate(Encoding.UTF8.GetBytes(s), out var dd) => dd,
                    int i => i,
                    _ => throw new ArgumentException($"Cannot use '{value}' as a date literal."),
                };
                return Fill(type, days, length);
            }
            case ArrowTypeId.Decimal128:
            {
                var dt = (Decimal128Type)type;
                var b = new Decimal128Array.Builder(dt);
                b.Append(Math.Round(Convert.ToDecimal(value, ci), dt.Scale, MidpointRounding.AwayFromZero));
                var one = b.Build(ManagedMemoryAllocator.Instance);
                // the builder scales the value once; the copies are its 128 bits
                return length == 1 ? one : Fill(type, DecimalKernels.Values(one)[0], length);
            }
            case ArrowTypeId.String or ArrowTypeId.Binary:
            {
                byte[] bytes = value switch
                {
                    byte[] raw => raw,
                    string s => Encoding.UTF8.GetBytes(s),
                    IFormattable f => Encoding.UTF8.GetBytes(f.ToString(null, ci)),
                    _ => Encoding.UTF8.GetBytes(value.ToString() ?? ""),
                };
                var data = new byte[bytes.Length * length];
                var offsets = new byte[(length + 1) * sizeof(int)];
                var off = MemoryMarshal.Cast<byte, int>(offsets.AsSpan());
                for (var i = 0; i < length; i++)
                {
                    bytes.CopyTo(data, i * bytes.Length);
                    off[i + 1] = (i + 1) * bytes.Length;
                }
                return ArrowArrayFactory.BuildArray(new ArrayData(type, length, 0, 0,
                    [ArrowBuffer.Empty, new ArrowBuffer(offsets), new ArrowBuffer(data)], []));
            }
            default:
                throw new NotSupportedException($"Literals of type {DataTypes.ToDdl(type)} are not supported.");
        }
    }

    /// <summary>A fixed-width <paramref name="value"/> repeated <paramref name="length"/> times as an array of <paramref name="type"/>,
    /// written into an array rented from <paramref name="buffers"/> (the batch's owner) when there is one.</summary>
    public static IArrowArray Repeat<T>(IArrowType type, T value, int length, BatchBuffers? buffers) where T : unmanaged
    {
        var bytes = NewValues<T>(length, buffers);
        MemoryMarshal.Cast<byte, T>(bytes.Span).Fill(value);
        return Primitive(type, bytes, null, length);
    }

    /// <summary>A one-row array repeated <paramref name="length"/> times (a constant operand widened for a kernel
    /// that has no constant form).</summary>
    public static IArrowArray Expand(IArrowArray one, int length) => TakeKernel.Take(one, new int[length]);

    private static IArrowArray Fill<T>(IArrowType type, T value, int length) where T : unmanaged
    {
        var bytes = NewValues<T>(length);
        MemoryMarshal.Cast<byte, T>(bytes.AsSpan()).Fill(value);
        return Primitive(type, bytes, null, length);
    }
}
