using Apache.Arrow;
using Apache.Arrow.Types;

namespace OrleansStream.Plan.Data;

/// <summary>
/// Builds one Arrow column. Unlike Arrow's builders it can be truncated back to an earlier length
/// (readers roll back a malformed row) and strings are written as UTF-8 straight into the buffers.
/// A builder is used for one array: after <see cref="Build"/> it must not be appended to.
/// </summary>
internal abstract class ColumnBuilder
{
    protected readonly BitBuffer Validity = new();

    protected ColumnBuilder(IArrowType type) => Type = type;

    public IArrowType Type { get; }

    public int Length => Validity.Length;

    public int NullCount => Validity.UnsetCount;

    public void AppendNull()
    {
        Validity.Append(false);
        AppendEmptySlot();
    }

    /// <summary>Appends a CLR value (null appends a null). Throws <see cref="InvalidCastException"/> or <see cref="OverflowException"/> when it does not fit.</summary>
    public void Append(object? value)
    {
        if (value is null) AppendNull();
        else AppendObject(value);
    }

    protected abstract void AppendEmptySlot();

    protected abstract void AppendObject(object value);

    public abstract void Truncate(int length);

    public abstract IArrowArray Build();

    protected ArrayData MakeData(ArrowBuffer[] buffers, ArrayData[]? children = null) =>
        new(Type, Length, NullCount, 0, buffers, children ?? []);

    public static ColumnBuilder Create(IArrowType type) => type switch
    {
        BooleanType => new BooleanColumnBuilder(),
        Int8Type => new FixedWidthColumnBuilder<sbyte>(type, ClrConvert.ToSByte),
        Int16Type => new FixedWidthColumnBuilder<short>(type, ClrConvert.ToInt16),
        Int32Type => new FixedWidthColumnBuilder<int>(type, ClrConvert.ToInt32),
        Int64Type => new FixedWidthColumnBuilder<long>(type, ClrConvert.ToInt64),
        UInt8Type => new FixedWidthColumnBuilder<byte>(type, v => checked((byte)ClrConvert.ToInt64(v))),
        UInt16Type => new FixedWidthColumnBuilder<ushort>(type, v => checked((ushort)ClrConvert.ToInt64(v))),
        UInt32Type => new FixedWidthColumnBuilder<uint>(type, v => checked((uint)ClrConvert.ToInt64(v))),
        UInt64Type => new FixedWidthColumnBuilder<ulong>(type, v => Convert.ToUInt64(v, System.Globalization.CultureInfo.InvariantCulture)),
        FloatType => new FixedWidthColumnBuilder<float>(type, ClrConvert.ToSingle),
        DoubleType => new FixedWidthColumnBuilder<double>(type, ClrConvert.ToDouble),
        Decimal128Type d => new FixedWidthColumnBuilder<Int128>(type, v => ClrConvert.ToDecimal128(v, d.Scale)),
        TimestampType t => new FixedWidthColumnBuilder<long>(type, v => ClrConvert.ToTimestamp(v, t.Unit)),
        Date32Type => new FixedWidthColumnBuilder<int>(type, ClrConvert.ToDate32),
        Date64Type => new FixedWidthColumnBuilder<long>(type, v => ClrConvert.ToDate32(v) * 86_400_000L),
        StringType => new BinaryColumnBuilder(type),
        BinaryType => new BinaryColumnBuilder(type),
        StructType s => new StructColumnBuilder(s),
        MapType m => new MapColumnBuilder(m),
        ListType l => new ListColumnBuilder(l),
        NullType => new NullColumnBuilder(),
        _ => throw new NotSupportedException($"Arrow type {type.Name} is not supported."),
    };
}
