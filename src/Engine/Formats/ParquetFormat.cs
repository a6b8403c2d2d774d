using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using Parquet;
using Parquet.Schema;
using ArrowField = Apache.Arrow.Field;
using ArrowSchema = Apache.Arrow.Schema;
using ArrowStructType = Apache.Arrow.Types.StructType;
using PqField = Parquet.Schema.Field;

namespace OrleansStream.Engine.Formats;

/// <summary>
/// Parquet files through Parquet.Net: boolean, int8/16/32/64, float, double, decimal128, string, binary,
/// timestamp (stored as INT64 microseconds adjusted to UTC), date, and structs of those. One row group per
/// written batch; one Arrow batch per row group when reading. A null struct is written as a struct whose
/// fields are all null (Parquet.Net's flat column API cannot tell the two apart).
/// The synchronous members run the asynchronous ones on the thread pool (safe under any synchronization context).
/// </summary>
public static class ParquetFormat
{
    private static ParquetOptions ReadOptions => new() { UseDateOnlyTypeForDates = true };

    /// <summary>The Arrow schema of a parquet file.</summary>
    public static ArrowSchema ReadSchema(string path) => Run(() => ReadSchemaAsync(path));

    /// <summary>The Arrow schema of a parquet file.</summary>
    /// <exception cref="IOException">The file is not a Parquet file or is corrupt; the message names it.</exception>
    public static async Task<ArrowSchema> ReadSchemaAsync(string path, CancellationToken ct = default)
    {
        try
        {
            await using var stream = File.OpenRead(path);
            await using var reader = await ParquetReader.CreateAsync(stream, ReadOptions, leaveStreamOpen: false, ct).ConfigureAwait(false);
            return ToArrowSchema(reader.Schema);
        }
        catch (Exception e) when (IsCorruption(e))
        {
            throw Corrupt(path, e);
        }
    }

    /// <summary>Reads a file, one batch per row group. With <paramref name="schema"/>, columns are matched by name and absent ones are null.</summary>
    public static IReadOnlyList<RecordBatch> Read(string path, ArrowSchema? schema = null) => Run(() => ReadAsync(path, schema));

    /// <summary>Reads a file, one batch per row group. With <paramref name="schema"/>, columns are matched by name and absent ones are null.</summary>
    /// <exception cref="IOException">The file is not a Parquet file or is corrupt; the message names it.</exception>
    public static Task<IReadOnlyList<RecordBatch>> ReadAsync(string path, ArrowSchema? schema = null, CancellationToken ct = default) =>
        ReadAsync(path, schema, null, ct);

    /// <summary>
    /// <see cref="Read(string, ArrowSchema)"/> with the columns' value and offset buffers rented from <paramref name="pool"/> when
    /// given: each row group's batch then has its own owner (<see cref="BatchBuffers"/>), and its reader hands them back.
    /// </summary>
    internal static IReadOnlyList<RecordBatch> Read(string path, ArrowSchema schema, ArrowBufferPool? pool) => Run(() => ReadAsync(path, schema, pool));

    private static async Task<IReadOnlyList<RecordBatch>> ReadAsync(string path, ArrowSchema? schema, ArrowBufferPool? pool, CancellationToken ct = default)
    {
        try
        {
            await using var stream = File.OpenRead(path);
            return await ReadAsync(stream, schema, pool, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (IsCorruption(e))
        {
            throw Corrupt(path, e);
        }
    }

    // Parquet.Net reports damage with whatever exception its decoders hit (IOException, InvalidDataException, index or
    // overflow errors, ...) and without the file. Errors that already name the path, cancellation and unsupported
    // column types keep their own type.
    private static bool IsCorruption(Exception e) => e is not (OperationCanceledException or FileNotFoundException
        or DirectoryNotFoundException or UnauthorizedAccessException or NotSupportedException or OutOfMemoryException);

    private static IOException Corrupt(string path, Exception e) =>
        new($"Cannot read Parquet file {path}: it is not a Parquet file or it is corrupt ({e.GetType().Name}: {RecordExcerpt.Quote(e.Message, "")})", e);

    /// <summary>Reads a parquet stream (must be seekable).</summary>
    public static Task<IReadOnlyList<RecordBatch>> ReadAsync(Stream stream, ArrowSchema? schema, CancellationToken ct = default) =>
        ReadAsync(stream, schema, null, ct);

    private static async Task<IReadOnlyList<RecordBatch>> ReadAsync(Stream stream, ArrowSchema? schema, ArrowBufferPool? pool, CancellationToken ct)
    {
        await using var reader = await ParquetReader.CreateAsync(stream, ReadOptions, leaveStreamOpen: true, ct).ConfigureAwait(false);
        var fileSchema = ToArrowSchema(reader.Schema);
        schema ??= fileSchema;
        var twins = ParquetColumnReader.RawTwins(reader.Schema);
        var result = new List<RecordBatch>();
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var rg = reader.OpenRowGroupReader(g);
            int rows = checked((int)rg.RowCount);
            var columns = new IArrowArray[schema.FieldsList.Count];
            var buffers = pool is null ? null : new BatchBuffers(pool);
            for (int c = 0; c < columns.Length; c++)
            {
                var target = schema.FieldsList[c];
                var pq = reader.Schema.Fields.FirstOrDefault(f => f.Name == target.Name);
                if (pq is null)
                {
                    var nulls = ColumnBuilder.Create(target.DataType);
                    for (int r = 0; r < rows; r++) nulls.AppendNull();
                    columns[c] = nulls.Build();
                    continue;
                }
                columns[c] = await ReadColumnAsync(rg, pq, twins, target.DataType, rows, buffers, ct).ConfigureAwait(false);
            }
            var batch = new RecordBatch(schema, columns, rows);
            result.Add(buffers is null ? batch : buffers.Own(batch));
        }
        return result;
    }

    /// <summary>Writes batches (one row group each) to a file, replacing it.</summary>
    public static void Write(string path, IReadOnlyList<RecordBatch> batches, ArrowSchema schema) => Run(async () =>
    {
        await using var stream = File.Create(path);
        await WriteAsync(stream, batches, schema).ConfigureAwait(false);
        return true;
    });

    /// <summary>Writes batches (one row group each) to a stream.</summary>
    public static void Write(Stream stream, IReadOnlyList<RecordBatch> batches, ArrowSchema schema) => Run(async () =>
    {
        await WriteAsync(stream, batches, schema).ConfigureAwait(false);
        return true;
    });

    /// <summary>Writes batches (one row group each; none for an empty list) to a stream.</summary>
    public static async Task WriteAsync(Stream stream, IReadOnlyList<RecordBatch> batches, ArrowSchema schema, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(batches);
        var pqSchema = new ParquetSchema(schema.FieldsList.Select(ToParquetField).ToArray());
        await using var writer = await ParquetWriter.CreateAsync(pqSchema, stream, null, false, ct).ConfigureAwait(false);
        foreach (var batch in batches)
        {
            using var rg = writer.CreateRowGroup();
            for (int c = 0; c < batch.ColumnCount; c++)
                await WriteColumnAsync(rg, pqSchema.Fields[c], batch.Column(c), null, ct).ConfigureAwait(false);
        }
    }

    private static T Run<T>(Func<Task<T>> action) => Task.Run(action).GetAwaiter().GetResult();

    private static ArrowSchema ToArrowSchema(ParquetSchema schema) =>
        new(schema.Fields.Select(f => new ArrowField(f.Name, ToArrowType(f), true)).ToList(), null);

    private static IArrowType ToArrowType(PqField field)
    {
        switch (field)
        {
            case StructField s:
                return new ArrowStructType(s.Fields.Select(f => new ArrowField(f.Name, ToArrowType(f), true)).ToList());
            case DecimalDataField d:
                return new Decimal128Type(d.Precision, d.Scale);
            case DataField df when !df.IsArray:
                var t = df.ClrType;
                if (t == typeof(bool)) return BooleanType.Default;
                if (t == typeof(sbyte)) return Int8Type.Default;
                if (t == typeof(byte)) return Int16Type.Default;
                if (t == typeof(short)) return Int16Type.Default;
                if (t == typeof(int)) return Int32Type.Default;
                if (t == typeof(long)) return Int64Type.Default;
                if (t == typeof(float)) return FloatType.Default;
                if (t == typeof(double)) return DoubleType.Default;
                if (t == typeof(decimal)) return new Decimal128Type(38, 18);
                if (t == typeof(string) || t == typeof(ReadOnlyMemory<char>)) return StringType.Default;
                if (t == typeof(byte[]) || t == typeof(ReadOnlyMemory<byte>)) return BinaryType.Default;
                if (t == typeof(DateTime)) return new TimestampType(TimeUnit.Microsecond, "UTC");
                if (t == typeof(DateOnly)) return Date32Type.Default;
                break;
        }
        throw new NotSupportedException($"Parquet column '{field.Name}' ({field.SchemaType} {(field as DataField)?.ClrType}) is not supported.");
    }

    private static PqField ToParquetField(ArrowField f) => f.DataType switch
    {
        BooleanType => new DataField(f.Name, typeof(bool), true),
        Int8Type => new DataField(f.Name, typeof(sbyte), true),
        Int16Type => new DataField(f.Name, typeof(short), true),
        Int32Type => new DataField(f.Name, typeof(int), true),
        Int64Type => new DataField(f.Name, typeof(long), true),
        FloatType => new DataField(f.Name, typeof(float), true),
        DoubleType => new DataField(f.Name, typeof(double), true),
        Decimal128Type d => new DecimalDataField(f.Name, d.Precision, d.Scale, false, true),
        StringType => new DataField(f.Name, typeof(string), true),
        BinaryType => new DataField(f.Name, typeof(byte[]), true),
        TimestampType => new DateTimeDataField(f.Name, DateTimeFormat.Timestamp, true, DateTimeTimeUnit.Micros, true),
        Date32Type => new DataField(f.Name, typeof(DateOnly), true),
        ArrowStructType s => new StructField(f.Name, s.Fields.Select(ToParquetField).ToArray()),
        _ => throw new NotSupportedException($"Parquet writing does not support {f.DataType.Name} column '{f.Name}'."),
    };

    private static async Task WriteColumnAsync(ParquetRowGroupWriter rg, PqField field, IArrowArray array, IArrowArray? parent, CancellationToken ct)
    {
        if (field is StructField sf)
        {
            var sa = (StructArray)array;
            for (int i = 0; i < sf.Fields.Count; i++) await WriteColumnAsync(rg, sf.Fields[i], sa.Fields[i], sa, ct).ConfigureAwait(false);
            return;
        }
        var df = (DataField)field;
        int n = array.Length;
        bool IsNull(int i) => array.IsNull(i) || (parent?.IsNull(i) ?? false);
        switch (array)
        {
            case BooleanArray a:
            {
                var v = new bool?[n];
                for (int i = 0; i < n; i++) v[i] = IsNull(i) ? null : a.GetValue(i);
                await rg.WriteAsync<bool>(df, v, null, null, ct).ConfigureAwait(false);
                break;
            }
            case Int8Array a: await rg.WriteAsync<sbyte>(df, Nullable(a.Values, IsNull), null, null, ct).ConfigureAwait(false); break;
            case Int16Array a: await rg.WriteAsync<short>(df, Nullable(a.Values, IsNull), null, null, ct).ConfigureAwait(false); break;
            case Int32Array a: await rg.WriteAsync<int>(df, Nullable(a.Values, IsNull), null, null, ct).ConfigureAwait(false); break;
            case Int64Array a: await rg.WriteAsync<long>(df, Nullable(a.Values, IsNull), null, null, ct).ConfigureAwait(false); break;
            case FloatArray a: await rg.WriteAsync<float>(df, Nullable(a.Values, IsNull), null, null, ct).ConfigureAwait(false); break;
            case DoubleArray a: await rg.WriteAsync<double>(df, Nullable(a.Values, IsNull), null, null, ct).ConfigureAwait(false); break;
            case Decimal128Array a:
            {
                var v = new decimal?[n];
                for (int i = 0; i < n; i++) v[i] = IsNull(i) ? null : a.GetValue(i);
                await rg.WriteAsync<decimal>(df, v, null, null, ct).ConfigureAwait(false);
                break;
            }
            case StringArray a:
            {
                var v = new string[n];
                for (int i = 0; i < n; i++) v[i] = IsNull(i) ? null! : a.GetString(i);
                await rg.WriteAsync(df, v, null).ConfigureAwait(false);
                break;
            }
            case BinaryArray a:
            {
                var v = new byte[n][];
                for (int i = 0; i < n; i++) v[i] = IsNull(i) ? null! : a.GetBytes(i).ToArray();
                await rg.WriteAsync(df, v, null).ConfigureAwait(false);
                break;
            }
            case TimestampArray a:
            {
                var v = new DateTime?[n];
                for (int i = 0; i < n; i++) v[i] = IsNull(i) ? null : ArrowValues.TimestampToDateTime(ValueText.TimestampMicros(a, i));
                await rg.WriteAsync<DateTime>(df, v, null, null, ct).ConfigureAwait(false);
                break;
            }
            case Date32Array a:
            {
                var v = new DateOnly?[n];
                for (int i = 0; i < n; i++) v[i] = IsNull(i) ? null : ClrConvert.Date32ToDateOnly(a.Values[i]);
                await rg.WriteAsync<DateOnly>(df, v, null, null, ct).ConfigureAwait(false);
                break;
            }
            default:
                throw new NotSupportedException($"Parquet writing does not support {array.Data.DataType.Name}.");
        }
    }

    private static T?[] Nullable<T>(ReadOnlySpan<T> values, Func<int, bool> isNull) where T : struct
    {
        var v = new T?[values.Length];
        for (int i = 0; i < v.Length; i++) v[i] = isNull(i) ? null : values[i];
        return v;
    }

    private static async Task<IArrowArray> ReadColumnAsync(ParquetRowGroupReader rg, PqField field, Dictionary<string, DataField> twins,
        IArrowType type, int rows, BatchBuffers? buffers, CancellationToken ct)
    {
        if (field is StructField sf && type is ArrowStructType st)
        {
            var children = new IArrowArray[st.Fields.Count];
            for (int i = 0; i < children.Length; i++)
            {
                var child = sf.Fields.FirstOrDefault(f => f.Name == st.Fields[i].Name);
                if (child is null)
                {
                    var nulls = ColumnBuilder.Create(st.Fields[i].DataType);
                    for (int r = 0; r < rows; r++) nulls.AppendNull();
                    children[i] = nulls.Build();
                }
                else children[i] = await ReadColumnAsync(rg, child, twins, st.Fields[i].DataType, rows, buffers, ct).ConfigureAwait(false);
            }
            return new StructArray(st, rows, children, ArrowBuffer.Empty, 0);
        }
        var df = (DataField)field;
        // Common case: values go straight into Arrow buffers; the builder path below covers the rest (widening, repeated, odd units).
        if (await ParquetColumnReader.TryReadAsync(rg, df, twins, type, rows, buffers, ct).ConfigureAwait(false) is { } fast) return fast;
        var builder = ColumnBuilder.Create(type);
        var t = df.ClrType;
        if (t == typeof(string) || t == typeof(ReadOnlyMemory<char>))
        {
            var b = (BinaryColumnBuilder)builder;
            if (t == typeof(ReadOnlyMemory<char>))
            {
                var v = new ReadOnlyMemory<char>?[rows];
                await rg.ReadAsync<ReadOnlyMemory<char>>(df, v.AsMemory(), null, ct).ConfigureAwait(false);
                foreach (var s in v) if (s is null) b.AppendNull(); else b.AppendString(s.Value.Span);
            }
            else
            {
                var v = new string?[rows];
                await rg.ReadAsync(df, v.AsMemory(), null, ct).ConfigureAwait(false);
                foreach (var s in v) if (s is null) b.AppendNull(); else b.AppendString(s);
            }
        }
        else if (t == typeof(byte[]) || t == typeof(ReadOnlyMemory<byte>))
        {
            var b = (BinaryColumnBuilder)builder;
            if (t == typeof(ReadOnlyMemory<byte>))
            {
                var v = new ReadOnlyMemory<byte>?[rows];
                await rg.ReadAsync<ReadOnlyMemory<byte>>(df, v.AsMemory(), null, ct).ConfigureAwait(false);
                foreach (var s in v) if (s is null) b.AppendNull(); else b.AppendBytes(s.Value.Span);
            }
            else
            {
                var v = new byte[]?[rows];
                await rg.ReadAsync(df, v.AsMemory(), null, ct).ConfigureAwait(false);
                foreach (var s in v) if (s is null) b.AppendNull(); else b.AppendBytes(s);
            }
        }
        else if (t == typeof(bool))
        {
            var v = await ReadNullable<bool>(rg, df, rows, ct).ConfigureAwait(false);
            var b = (BooleanColumnBuilder)builder;
            foreach (var x in v) if (x.HasValue) b.Append(x.Value); else b.AppendNull();
        }
        else if (t == typeof(int)) Fill(builder, await ReadNullable<int>(rg, df, rows, ct).ConfigureAwait(false));
        else if (t == typeof(long)) Fill(builder, await ReadNullable<long>(rg, df, rows, ct).ConfigureAwait(false));
        else if (t == typeof(short)) Fill(builder, await ReadNullable<short>(rg, df, rows, ct).ConfigureAwait(false));
        else if (t == typeof(sbyte)) Fill(builder, await ReadNullable<sbyte>(rg, df, rows, ct).ConfigureAwait(false));
        else if (t == typeof(float)) Fill(builder, await ReadNullable<float>(rg, df, rows, ct).ConfigureAwait(false));
        else if (t == typeof(double)) Fill(builder, await ReadNullable<double>(rg, df, rows, ct).ConfigureAwait(false));
        else if (t == typeof(decimal))
        {
            var v = await ReadNullable<decimal>(rg, df, rows, ct).ConfigureAwait(false);
            var b = (FixedWidthColumnBuilder<Int128>)builder;
            int scale = ((Decimal128Type)type).Scale;
            foreach (var x in v) if (x.HasValue) b.Append(ClrConvert.DecimalToInt128(x.Value, scale)); else b.AppendNull();
        }
        else if (t == typeof(DateTime))
        {
            var v = await ReadNullable<DateTime>(rg, df, rows, ct).ConfigureAwait(false);
            var b = (FixedWidthColumnBuilder<long>)builder;
            var unit = ((TimestampType)type).Unit;
            foreach (var x in v) if (x.HasValue) b.Append(ClrConvert.MicrosToUnit(ClrConvert.DateTimeToMicros(x.Value), unit)); else b.AppendNull();
        }
        else if (t == typeof(DateOnly))
        {
            var v = await ReadNullable<DateOnly>(rg, df, rows, ct).ConfigureAwait(false);
            var b = (FixedWidthColumnBuilder<int>)builder;
            foreach (var x in v) if (x.HasValue) b.Append(x.Value.DayNumber - ClrConvert.UnixEpochDayNumber); else b.AppendNull();
        }
        else throw new NotSupportedException($"Parquet column '{df.Name}' of {t.Name} is not supported.");
        return builder.Build();
    }

    private static async Task<T?[]> ReadNullable<T>(ParquetRowGroupReader rg, DataField df, int rows, CancellationToken ct) where T : struct
    {
        var v = new T?[rows];
        if (df.IsNullable) await rg.ReadAsync<T>(df, v.AsMemory(), null, ct).ConfigureAwait(false);
        else
        {
            var dense = new T[rows];
            await rg.ReadAsync<T>(df, dense.AsMemory(), null, ct).ConfigureAwait(false);
            for (int i = 0; i < rows; i++) v[i] = dense[i];
        }
        return v;
    }

    private static void Fill<T>(ColumnBuilder builder, T?[] values) where T : unmanaged
    {
        if (builder is FixedWidthColumnBuilder<T> b)
        {
            foreach (var x in values) if (x.HasValue) b.Append(x.Value); else b.AppendNull();
            return;
        }
        // A column read with a wider requested type (e.g. int file column read as bigint).
        foreach (var x in values) builder.Append(x);
    }
}
