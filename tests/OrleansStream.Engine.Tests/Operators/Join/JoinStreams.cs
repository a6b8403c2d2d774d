using Apache.Arrow;

namespace OrleansStream.Engine.Tests.Operators.Join;

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
