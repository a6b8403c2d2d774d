using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Tests.State;

/// <summary>Batch builders and readers for the state and aggregation tests.</summary>
internal static class StateTestData
{
    /// <summary>A batch of <paramref name="rows"/> (CLR values) under a Spark DDL schema such as "k string, v int".</summary>
    public static RecordBatch Batch(string ddl, params object?[][] rows) => ArrowValues.FromRows(DataTypes.ParseSchema(ddl), rows);

    public static Schema Schema(string ddl) => DataTypes.ParseSchema(ddl);

    public static IArrowArray[] Columns(RecordBatch batch, params int[] indexes) => indexes.Select(batch.Column).ToArray();

    public static IArrowArray Column(string ddlType, params object?[] values)
    {
        var batch = Batch("c " + ddlType, values.Select(v => new[] { v }).ToArray());
        return batch.Column(0);
    }

    public static IReadOnlyList<object?[]> Rows(RecordBatch batch) => ArrowValues.ToRows(batch);

    /// <summary>Rows sorted by their printed form, for comparing results whose order does not matter.</summary>
    public static List<string> Sorted(RecordBatch batch) =>
        Rows(batch).Select(Print).OrderBy(s => s, StringComparer.Ordinal).ToList();

    public static string Print(object?[] row) => string.Join(" | ", row.Select(PrintValue));

    public static string PrintValue(object? v) => v switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        byte[] b => Convert.ToHexString(b),
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        float f => f.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };

    /// <summary>The batch after an Arrow IPC round trip (as state travels to and from checkpoint storage).</summary>
    public static RecordBatch ThroughIpc(RecordBatch batch) => ArrowIpc.Deserialize(ArrowIpc.Serialize(batch));
}
