using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Unicode;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Expressions.Kernels;
using Parquet;
using Parquet.Schema;
using Field = Parquet.Schema.Field;

namespace OrleansStream.Engine.Formats;

/// <summary>
/// Reads flat (non-repeated) Parquet columns straight into Arrow buffers. Parquet.Net's raw API hands back the
/// non-null values densely plus definition levels; those are scattered into one value buffer and a validity bitmap,
/// and BYTE_ARRAY values are copied as UTF-8 bytes. This skips what the general path pays per value: a nullable
/// CLR array (<c>T?[]</c>), a builder append and, for strings, a UTF-8 → UTF-16 → UTF-8 round trip.
/// </summary>
internal static class ParquetColumnReader
{
    /// <summary>
    /// Twins of the file's byte-array and INT64-microsecond-timestamp columns, typed as <see cref="ReadOnlyMemory{T}"/> of
    /// bytes and <see cref="long"/>, keyed by column path. Parquet.Net only hands out raw bytes or raw INT64 for a field of
    /// that CLR type, so each twin is built in its own schema with the same path; a twin whose levels differ from the
    /// file column (e.g. a required struct from another writer) is left out so those columns take the general path.
    /// </summary>
    public static Dictionary<string, DataField> RawTwins(ParquetSchema schema)
    {
        var twins = new Dictionary<string, DataField>();
        foreach (var field in schema.Fields)
        {
            var twin = Twin(field);
            if (twin is null) continue;
            _ = new ParquetSchema(twin); // assigns the twin's path and levels
            Collect(field, twin, twins);
        }
        return twins;
    }

    private static Field? Twin(Field field) => field switch
    {
        StructField s => s.Fields.Select(Twin).ToArray() is var children && children.All(c => c is not null)
            ? new StructField(s.Name, children!)
            : null,
        DateTimeDataField { DateTimeFormat: DateTimeFormat.Timestamp, Unit: DateTimeTimeUnit.Micros, IsArray: false } d =>
            new DataField(d.Name, typeof(long), d.IsNullable),
        DataField { IsArray: false } d when IsByteArray(d.ClrType) => new DataField(d.Name, typeof(ReadOnlyMemory<byte>), d.IsNullable),
        // Only the shape matters for a sibling that is never read through its twin.
        DataField { IsArray: false } d => new DataField(d.Name, typeof(int), d.IsNullable),
        _ => null,
    };

    private static void Collect(Field file, Field twin, Dictionary<string, DataField> twins)
    {
        if (file is StructField fs && twin is StructField ts)
        {
            for (int i = 0; i < fs.Fields.Count; i++) Collect(fs.Fields[i], ts.Fields[i], twins);
            return;
        }
        if (file is DataField fd && twin is DataField td && (IsByteArray(fd.ClrType) || td.ClrType == typeof(long) && fd.ClrType == typeof(DateTime))
            && fd.MaxDefinitionLevel == td.MaxDefinitionLevel && fd.MaxRepetitionLevel == td.MaxRepetitionLevel)
            twins[fd.Path.ToString()] = td;
    }

    private static bool IsByteArray(Type t) =>
        t == typeof(string) || t == typeof(ReadOnlyMemory<char>) || t == typeof(byte[]) || t == typeof(ReadOnlyMemory<byte>);

    /// <summary>
    /// Reads <paramref name="df"/> as an array of <paramref name="type"/>, or returns null when the combination needs the
    /// general path (a wider requested type, a repeated column, a timestamp in another unit, invalid UTF-8 for a string).
    /// Value and offset buffers are rented from <paramref name="buffers"/>, the owner of the batch the column goes into,
    /// when there is one (a stream's row group, released by the source task once shipped), else allocated.
    /// </summary>
    public static async Task<IArrowArray?> TryReadAsync(ParquetRowGroupReader rg, DataField df, Dictionary<string, DataField> twins,
        IArrowType type, int rows, BatchBuffers? buffers, CancellationToken ct)
    {
        if (df.IsArray || df.MaxRepetitionLevel > 0) return null;
        var t = df.ClrType;
        twins.TryGetValue(df.Path.ToString(), out var twin);
        switch (type)
        {
            case StringType or BinaryType when IsByteArray(t) && twin is not null:
                return await ReadBytesAsync(rg, twin, type, rows, buffers, ct).ConfigureAwait(false);
            case TimestampType ts when t == typeof(DateTime) && twin is not null:
            {
                using var dense = await Dense<long>.ReadAsync(rg, twin, rows, ct).ConfigureAwait(false);
                if (ts.Unit != TimeUnit.Microsecond)
                    for (int i = 0; i < dense.Count; i++) dense.Values[i] = ClrConvert.MicrosToUnit(dense.Values[i], ts.Unit);
                return Primitive(type, dense, rows, buffers);
            }
            case BooleanType when t == typeof(bool):
            {
                using var dense = await Dense<bool>.ReadAsync(rg, df, rows, ct).ConfigureAwait(false);
                var bits = new byte[BitUtility.ByteCount(rows)];
                for (int i = 0, j = 0; i < rows; i++)
                    if (Bitmaps.Get(dense.Validity, i) && dense.Values[j++]) Bitmaps.Set(bits, i);
                return ArrayFactory.Boolean(bits, dense.Validity, rows);
            }
            case Int8Type when t == typeof(sbyte): return await PrimitiveAsync<sbyte>(rg, df, type, rows, buffers, ct).ConfigureAwait(false);
            case Int16Type when t == typeof(short): return await PrimitiveAsync<short>(rg, df, type, rows, buffers, ct).ConfigureAwait(false);
            case Int32Type when t == typeof(int): return await PrimitiveAsync<int>(rg, df, type, rows, buffers, ct).ConfigureAwait(false);
            case Int64Type when t == typeof(long): return await PrimitiveAsync<long>(rg, df, type, rows, buffers, ct).ConfigureAwait(false);
            case FloatType when t == typeof(float): return await PrimitiveAsync<float>(rg, df, type, rows, buffers, ct).ConfigureAwait(false);
            case DoubleType when t == typeof(double): return await PrimitiveAsync<double>(rg, df, type, rows, buffers, ct).ConfigureAwait(false);
            case Date32Type when t == typeof(DateOnly):
            {
                using var dense = await Dense<DateOnly>.ReadAsync(rg, df, rows, ct).ConfigureAwait(false);
                var values = ZeroedValues<int>(rows, buffers);
                var dst = MemoryMarshal.Cast<byte, int>(values.Span);
                for (int i = 0, j = 0; i < rows; i++)
                    if (Bitmaps.Get(dense.Validity, i)) dst[i] = dense.Values[j++].DayNumber - ClrConvert.UnixEpochDayNumber;
                return ArrayFactory.Primitive(type, values, dense.Validity, rows);
            }
            case Decimal128Type d when t == typeof(decimal):
            {
                using var dense = await Dense<decimal>.ReadAsync(rg, df, rows, ct).ConfigureAwait(false);
                var values = ZeroedValues<Int128>(rows, buffers);
                var dst = MemoryMarshal.Cast<byte, Int128>(values.Span);
                for (int i = 0, j = 0; i < rows; i++)
                    if (Bitmaps.Get(dense.Validity, i)) dst[i] = ClrConvert.DecimalToInt128(dense.Values[j++], d.Scale);
                return ArrayFactory.Primitive(type, values, dense.Validity, rows);
            }
            default:
                return null;
        }
    }

    private static async Task<IArrowArray> PrimitiveAsync<T>(ParquetRowGroupReader rg, DataField df, IArrowType type, int rows,
        BatchBuffers? buffers, CancellationToken ct)
        where T : unmanaged
    {
        using var dense = await Dense<T>.ReadAsync(rg, df, rows, ct).ConfigureAwait(false);
        return Primitive(type, dense, rows, buffers);
    }

    /// <summary>Scatters dense values to their rows (nulls are zero: a rented array is cleared first when some row is null).</summary>
    private static IArrowArray Primitive<T>(IArrowType type, Dense<T> dense, int rows, BatchBuffers? buffers) where T : unmanaged
    {
        var values = dense.Validity is null ? ArrayFactory.NewValues<T>(rows, buffers) : ZeroedValues<T>(rows, buffers);
        var dst = MemoryMarshal.Cast<byte, T>(values.Span);
        if (dense.Validity is null) dense.Values.AsSpan(0, rows).CopyTo(dst);
        else
            for (int i = 0, j = 0; i < rows; i++)
                if (Bitmaps.Get(dense.Validity, i)) dst[i] = dense.Values[j++];
        return ArrayFactory.Primitive(type, values, dense.Validity, rows);
    }

    // A value buffer for rows, all zero (a rented array holds an earlier batch's bytes): nulls and skipped rows read 0.
    private static Memory<byte> ZeroedValues<T>(int rows, BatchBuffers? buffers) where T : unmanaged
    {
        var values = ArrayFactory.NewValues<T>(rows, buffers);
        if (buffers is not null) values.Span.Clear();
        return values;
    }

    private static async Task<IArrowArray?> ReadBytesAsync(ParquetRowGroupReader rg, DataField twin, IArrowType type, int rows,
        BatchBuffers? buffers, CancellationToken ct)
    {
        using var dense = await Dense<ReadOnlyMemory<byte>>.ReadAsync(rg, twin, rows, ct).ConfigureAwait(false);
        long total = 0;
        for (int j = 0; j < dense.Count; j++) total += dense.Values[j].Length;
        if (total > int.MaxValue)
            throw new OverflowException($"Parquet column '{twin.Name}' holds {total} bytes in one row group, more than an Arrow string column can.");
        // Exactly sized: the value bytes are counted first so no buffer grows or is trimmed.
        var data = ArrayFactory.NewBuffer((int)total, buffers);
        var offsetBytes = ArrayFactory.NewValues<int>(rows + 1, buffers);
        var offsets = MemoryMarshal.Cast<byte, int>(offsetBytes.Span);
        var dataSpan = data.Span;
        int pos = 0;
        for (int i = 0, j = 0; i < rows; i++)
        {
            offsets[i] = pos;
            if (!Bitmaps.Get(dense.Validity, i)) continue;
            var v = dense.Values[j++].Span;
            v.CopyTo(dataSpan[pos..]);
            pos += v.Length;
        }
        offsets[rows] = pos;
        // The general path decodes through .NET strings, which replaces invalid UTF-8; let it keep doing so rather than
        // hand the engine a string column that is not UTF-8 (a vectorised check, cheap next to the copy).
        if (type is StringType && !Utf8.IsValid(dataSpan)) return null;
        var validity = Bitmaps.ToBuffer(dense.Validity, rows, out var nulls);
        return ArrowArrayFactory.BuildArray(new ArrayData(type, rows, nulls, 0,
            [validity, new ArrowBuffer(offsetBytes), new ArrowBuffer(data)], []));
    }

    /// <summary>A column's non-null values (pooled), how many there are, and the validity bitmap (null when none is null).</summary>
    private sealed class Dense<T> : IDisposable
        where T : struct
    {
        private Dense(T[] values, int count, byte[]? validity)
        {
            Values = values;
            Count = count;
            Validity = validity;
        }

        public T[] Values { get; }

        public int Count { get; }

        public byte[]? Validity { get; }

        public static async Task<Dense<T>> ReadAsync(ParquetRowGroupReader rg, DataField field, int rows, CancellationToken ct)
        {
            var values = ArrayPool<T>.Shared.Rent(Math.Max(rows, 1));
            int maxDef = field.MaxDefinitionLevel;
            int[]? defs = maxDef > 0 ? ArrayPool<int>.Shared.Rent(Math.Max(rows, 1)) : null;
            try
            {
                await rg.ReadRawAsync<T>(field, values.AsMemory(0, rows), defs?.AsMemory(0, rows), null, ct).ConfigureAwait(false);
                if (defs is null) return new Dense<T>(values, rows, null);
                byte[]? validity = null;
                int count = 0;
                for (int i = 0; i < rows; i++)
                {
                    if (defs[i] == maxDef) count++;
                    else (validity ??= Bitmaps.AllSet(rows))[i >> 3] &= (byte)~(1 << (i & 7));
                }
                return new Dense<T>(values, count, validity);
            }
            catch
            {
                Return(values);
                throw;
            }
            finally
            {
                if (defs is not null) ArrayPool<int>.Shared.Return(defs);
            }
        }

        public void Dispose() => Return(Values);

        // Byte-array values reference Parquet.Net's page buffers; clear them so the pool does not keep those alive.
        private static void Return(T[] values) =>
            ArrayPool<T>.Shared.Return(values, RuntimeHelpers.IsReferenceOrContainsReferences<T>());
    }
}
