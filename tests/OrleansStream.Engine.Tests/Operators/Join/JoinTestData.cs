using System.Globalization;
using Apache.Arrow;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.Operators.Join;
using OrleansStream.Engine.Planning.Physical;

namespace OrleansStream.Engine.Tests.Operators.Join;

/// <summary>Helpers of the join operator tests: specs built directly, rows as sorted strings (join output has no order).</summary>
internal static class JoinTestData
{
    public static JoinOperatorSpec Spec(JoinType type, RecordBatch left, RecordBatch right, int[] leftKeys, int[] rightKeys, string? condition = null,
        JoinInputKind leftKind = JoinInputKind.Static, JoinInputKind rightKind = JoinInputKind.Static, int? leftEventTime = null,
        int? rightEventTime = null, bool[]? nullSafe = null) =>
        new(type, left.Schema, right.Schema, leftKeys, rightKeys, nullSafe ?? new bool[leftKeys.Length],
            condition is null ? null : SqlExpressionParser.Parse(condition), leftKind, rightKind, leftEventTime, rightEventTime);

    public static RecordBatch Run(IStatefulOperator op, RecordBatch? left, RecordBatch? right, long batchId = 0, long? late = null, long? evict = null)
    {
        var input = new List<KeyedInput>();
        if (left is not null) input.Add(new KeyedInput(0, left));
        if (right is not null) input.Add(new KeyedInput(1, right));
        return op.Process(input, new StatefulContext(batchId, late, evict));
    }

    /// <summary>Each row as "v1,v2,..." ("null" for null; timestamps as whole seconds), sorted.</summary>
    public static string[] Rows(RecordBatch batch) =>
        ArrowValues.ToRows(batch).Select(r => string.Join(",", r.Select(Format))).Order(StringComparer.Ordinal).ToArray();

    public static string[] Sorted(params string[] rows) => rows.Order(StringComparer.Ordinal).ToArray();

    private static string Format(object? v) => v switch
    {
        null => "null",
        DateTime dt => ((long)(dt - DateTime.UnixEpoch).TotalSeconds).ToString(CultureInfo.InvariantCulture),
        object?[] s => "[" + string.Join(",", s.Select(Format)) + "]",
        IConvertible c => c.ToString(CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };

    public static long Sec(long seconds) => seconds * 1_000_000;
}

/// <summary>Spark's StreamingJoinSuite inputs: (key, timestamp_seconds(key), key * multiplier) and their 10-second windows.</summary>
internal static class JoinStreams
{
    private static readonly Apache.Arrow.Types.StructType WindowType = new([
        new Field("start", DataTypes.Timestamp, true), new Field("end", DataTypes.Timestamp, true)]);

    /// <summary>key int, time timestamp (key seconds), value int (key * multiplier).</summary>
    public static RecordBatch Keyed(int multiplier, params int[] keys) =>
        Expressions.TestData.Batch(("key", Expressions.TestData.Ints(keys.Select(k => (int?)k).ToArray())),
            ("time", Expressions.TestData.Timestamps(keys.Select(k => (long?)JoinTestData.Sec(k)).ToArray())),
            ("value", Expressions.TestData.Ints(keys.Select(k => (int?)(k * multiplier)).ToArray())));

    /// <summary>(key, time) pairs: key int, time timestamp (seconds), value int (key * multiplier).</summary>
    public static RecordBatch Timed(int multiplier, params (int Key, int Time)[] rows) =>
        Expressions.TestData.Batch(("key", Expressions.TestData.Ints(rows.Select(r => (int?)r.Key).ToArray())),
            ("time", Expressions.TestData.Timestamps(rows.Select(r => (long?)JoinTestData.Sec(r.Time)).ToArray())),
            ("value", Expressions.TestData.Ints(rows.Select(r => (int?)(r.Key * multiplier)).ToArray())));

    /// <summary>key int, window {start, end} (the 10-second window of key seconds), value int (key * multiplier).</summary>
    public static RecordBatch Windowed(int multiplier, params int[] keys)
    {
        var starts = keys.Select(k => (long?)JoinTestData.Sec(k - k % 10)).ToArray();
        var ends = keys.Select(k => (long?)JoinTestData.Sec(k - k % 10 + 10)).ToArray();
        var window = new StructArray(WindowType, keys.Length,
            [Expressions.TestData.Timestamps(starts), Expressions.TestData.Timestamps(ends)], ArrowBuffer.Empty, 0);
        return Expressions.TestData.Batch(("key", Expressions.TestData.Ints(keys.Select(k => (int?)k).ToArray())), ("window", window),
            ("value", Expressions.TestData.Ints(keys.Select(k => (int?)(k * multiplier)).ToArray())));
    }
}
