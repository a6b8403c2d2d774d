using Apache.Arrow;
using Apache.Arrow.Types;

namespace OrleansStream.Plan.Data;

/// <summary>
/// Conversions between Arrow columns and CLR values at the API edge (rows), plus batch helpers.
/// CLR mapping (DESIGN §2): boolean→bool, int32→int, int64→long, float→float, double→double,
/// decimal→decimal, string→string, binary→byte[], timestamp→DateTime (Kind=Utc), date32→DateOnly,
/// struct→object?[] (field values in order), array→IReadOnlyList&lt;object?&gt;, map→IReadOnlyDictionary&lt;object, object?&gt;.
/// </summary>
public static class ArrowValues
{
    /// <summary>The CLR value of <paramref name="array"/> at <paramref name="index"/>, or null.</summary>
    public static object? GetValue(IArrowArray array, int index)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (array.IsNull(index)) return null;
        switch (array)
        {
            case BooleanArray a: return a.GetValue(index);
            case Int32Array a: return a.Values[index];
            case Int64Array a: return a.Values[index];
            case DoubleArray a: return a.Values[index];
            case FloatArray a: return a.Values[index];
            case StringArray a: return a.GetString(index);
            case BinaryArray a: return a.GetBytes(index).ToArray();
            case TimestampArray a: return TimestampToDateTime(a.Values[index], ((TimestampType)a.Data.DataType).Unit);
            case Date32Array a: return ClrConvert.Date32ToDateOnly(a.Values[index]);
            case Date64Array a: return ClrConvert.Date32ToDateOnly((int)(a.Values[index] / 86_400_000L));
            case Decimal128Array a: return a.GetValue(index);
            case Int16Array a: return a.Values[index];
            case Int8Array a: return a.Values[index];
            case UInt8Array a: return a.Values[index];
            case UInt16Array a: return a.Values[index];
            case UInt32Array a: return a.Values[index];
            case UInt64Array a: return a.Values[index];
            case StructArray a:
            {
                var fields = a.Fields;
                var values = new object?[fields.Count];
                for (int i = 0; i < values.Length; i++) values[i] = GetValue(fields[i], index);
                return values;
            }
            case MapArray a:
            {
                int start = a.ValueOffsets[index], end = a.ValueOffsets[index + 1];
                var dict = new Dictionary<object, object?>(end - start);
                for (int i = start; i < end; i++)
                {
                    var key = GetValue(a.Keys, i) ?? throw new InvalidOperationException("Map keys cannot be null.");
                    dict[key] = GetValue(a.Values, i);
                }
                return dict;
            }
            case ListArray a:
            {
                int start = a.ValueOffsets[index], end = a.ValueOffsets[index + 1];
                var list = new object?[end - start];
                for (int i = start; i < end; i++) list[i - start] = GetValue(a.Values, i);
                return list;
            }
            case NullArray: return null;
            default: throw new NotSupportedException($"Arrow type {array.Data.DataType.Name} is not supported.");
        }
    }

    /// <summary>Builds a batch from rows of CLR values (nested structs as object?[], lists as any IEnumerable, maps as dictionaries).</summary>
    /// <exception cref="ArgumentException">A row has the wrong number of values or a value does not fit its column.</exception>
    public static RecordBatch FromRows(Schema schema, IReadOnlyList<object?[]> rows)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(rows);
        var builders = CreateBuilders(schema);
        for (int r = 0; r < rows.Count; r++)
        {
            var row = rows[r];
            if (row.Length != builders.Length)
                throw new ArgumentException($"Row {r} has {row.Length} values but the schema has {builders.Length} columns.", nameof(rows));
            for (int c = 0; c < builders.Length; c++)
            {
                try { builders[c].Append(row[c]); }
                catch (Exception e) when (e is InvalidCastException or OverflowException or FormatException)
                {
                    throw new ArgumentException($"Row {r}, column '{schema.FieldsList[c].Name}': {e.Message}", nameof(rows), e);
                }
            }
        }
        return Build(schema, builders, rows.Count);
    }

    /// <summary>A batch with no rows.</summary>
    public static RecordBatch Empty(Schema schema) => Build(schema, CreateBuilders(schema), 0);

    /// <summary>Concatenates batches of the same schema into one batch (copies the data).</summary>
    public static RecordBatch Concat(Schema schema, IReadOnlyList<RecordBatch> batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        var nonEmpty = new List<RecordBatch>(batches.Count);
        foreach (var b in batches) if (b.Length > 0) nonEmpty.Add(b);
        if (nonEmpty.Count == 0) return Empty(schema);
        if (nonEmpty.Count == 1) return new RecordBatch(schema, Columns(nonEmpty[0]), nonEmpty[0].Length);
        int length = 0;
        foreach (var b in nonEmpty) length += b.Length;
        var columns = new IArrowArray[schema.FieldsList.Count];
        var parts = new IArrowArray[nonEmpty.Count];
        for (int c = 0; c < columns.Length; c++)
        {
            for (int b = 0; b < parts.Length; b++) parts[b] = nonEmpty[b].Column(c);
            columns[c] = ArrowArrayConcatenator.Concatenate(parts, ManagedMemoryAllocator.Instance);
        }
        return new RecordBatch(schema, columns, length);
    }

    /// <summary>Splits a batch into exactly <paramref name="parts"/> zero-copy slices of near-equal size (some may be empty).</summary>
    public static IReadOnlyList<RecordBatch> Split(RecordBatch batch, int parts)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        var result = new RecordBatch[parts];
        int baseSize = batch.Length / parts, remainder = batch.Length % parts, offset = 0;
        for (int p = 0; p < parts; p++)
        {
            int size = baseSize + (p < remainder ? 1 : 0);
            result[p] = batch.Slice(offset, size);
            offset += size;
        }
        return result;
    }

    /// <summary>The rows of a batch as CLR values (for tests and the API edge).</summary>
    public static IReadOnlyList<object?[]> ToRows(RecordBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var rows = new object?[batch.Length][];
        for (int r = 0; r < rows.Length; r++)
        {
            var row = new object?[batch.ColumnCount];
            for (int c = 0; c < row.Length; c++) row[c] = GetValue(batch.Column(c), r);
            rows[r] = row;
        }
        return rows;
    }

    /// <summary>A UTC <see cref="DateTime"/> from a raw timestamp value in <paramref name="unit"/>.</summary>
    public static DateTime TimestampToDateTime(long value, TimeUnit unit = TimeUnit.Microsecond) => ClrConvert.MicrosToDateTime(unit switch
    {
        TimeUnit.Second => value * 1_000_000,
        TimeUnit.Millisecond => value * 1000,
        TimeUnit.Nanosecond => value / 1000,
        _ => value,
    });

    internal static ColumnBuilder[] CreateBuilders(Schema schema)
    {
        var builders = new ColumnBuilder[schema.FieldsList.Count];
        for (int i = 0; i < builders.Length; i++) builders[i] = ColumnBuilder.Create(schema.FieldsList[i].DataType);
        return builders;
    }

    internal static RecordBatch Build(Schema schema, ColumnBuilder[] builders, int length)
    {
        var arrays = new IArrowArray[builders.Length];
        for (int i = 0; i < arrays.Length; i++) arrays[i] = builders[i].Build();
        return new RecordBatch(schema, arrays, length);
    }

    private static IArrowArray[] Columns(RecordBatch batch)
    {
        var cols = new IArrowArray[batch.ColumnCount];
        for (int i = 0; i < cols.Length; i++) cols[i] = batch.Column(i);
        return cols;
    }
}
