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
