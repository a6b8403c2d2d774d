using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Expressions;
using OrleansStream.Plan.Sql;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Tests.Expressions;

/// <summary>Builders and readers for test batches.</summary>
internal static class TestData
{
    public static readonly EpochContext Ctx = new(3, 1_700_000_000_123_456L);

    public static Int32Array Ints(params int?[] v)
    {
        var b = new Int32Array.Builder();
        foreach (var x in v) { if (x is { } y) b.Append(y); else b.AppendNull(); }
        return b.Build();
    }

    public static Int64Array Longs(params long?[] v)
    {
        var b = new Int64Array.Builder();
        foreach (var x in v) { if (x is { } y) b.Append(y); else b.AppendNull(); }
        return b.Build();
    }

    public static DoubleArray Doubles(params double?[] v)
    {
        var b = new DoubleArray.Builder();
        foreach (var x in v) { if (x is { } y) b.Append(y); else b.AppendNull(); }
        return b.Build();
    }

    public static BooleanArray Bools(params bool?[] v)
    {
        var b = new BooleanArray.Builder();
        foreach (var x in v) { if (x is { } y) b.Append(y); else b.AppendNull(); }
        return b.Build();
    }

    public static StringArray Strs(params string?[] v)
    {
        var b = new StringArray.Builder();
        foreach (var x in v) { if (x is null) b.AppendNull(); else b.Append(x); }
        return b.Build();
    }

    public static TimestampArray Timestamps(params long?[] micros)
    {
        var b = new Int64Array.Builder();
        foreach (var x in micros) { if (x is { } y) b.Append(y); else b.AppendNull(); }
        var ints = b.Build();
        return new TimestampArray(DataTypes.Timestamp, ints.ValueBuffer, ints.NullBitmapBuffer, ints.Length, ints.NullCount, 0);
    }

    public static RecordBatch Batch(params (string Name, IArrowArray Array)[] columns)
    {
        var schema = new Schema(columns.Select(c => new Field(c.Name, c.Array.Data.DataType, true)), null);
        return new RecordBatch(schema, columns.Select(c => c.Array), columns.Length == 0 ? 0 : columns[0].Array.Length);
    }

    public static IArrowArray Eval(string sql, RecordBatch batch) =>
        ExpressionEvaluator.Evaluate(SqlExpressionParser.Parse(sql), batch, Ctx);

    /// <summary>Row values as CLR objects (null, bool, int, long, double, string, decimal, DateTime for timestamps, lists, dictionaries for structs).</summary>
    public static object?[] Values(IArrowArray a) => Enumerable.Range(0, a.Length).Select(i => Value(a, i)).ToArray();

    public static object? Value(IArrowArray a, int i)
    {
        if (a.IsNull(i)) return null;
        return a switch
        {
            BooleanArray b => b.GetValue(i),
            Int8Array x => (int)x.GetValue(i)!.Value,
            Int16Array x => (int)x.GetValue(i)!.Value,
            Int32Array x => x.GetValue(i),
            Int64Array x => x.GetValue(i),
            FloatArray x => (double)x.GetValue(i)!.Value,
            DoubleArray x => x.GetValue(i),
            Decimal128Array x => x.GetValue(i),
            StringArray x => x.GetString(i),
            TimestampArray x => DateTime.UnixEpoch.AddTicks(x.Values[i] * 10),
            Date32Array x => DateOnly.FromDateTime(DateTime.UnixEpoch).AddDays(x.Values[i]),
            StructArray s => ((StructType)s.Data.DataType).Fields.Select((f, k) => (f.Name, Value: Value(s.Fields[k], i)))
                .ToDictionary(p => p.Name, p => p.Value),
            MapArray m => Enumerable.Range(m.ValueOffsets[i], m.ValueOffsets[i + 1] - m.ValueOffsets[i])
                .ToDictionary(k => Value(m.Keys, k)!, k => Value(m.Values, k)),
            ListArray l => Enumerable.Range(l.ValueOffsets[i], l.ValueOffsets[i + 1] - l.ValueOffsets[i]).Select(k => Value(l.Values, k)).ToList(),
            _ => throw new NotSupportedException(a.GetType().Name),
        };
    }

    public static DateTime Utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) => new(y, mo, d, h, mi, s, DateTimeKind.Utc);

    public static long Micros(DateTime dt) => (dt.Ticks - DateTime.UnixEpoch.Ticks) / 10;
}
