using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Plan.Expressions;

namespace OrleansStream.Engine.Operators.Join;

/// <summary>
/// The event time a join compares with the watermark (Spark's WatermarkSupport): a timestamp column's value, or for a window
/// struct <c>{start, end}</c> its end. A null time is never late and never evictable.
/// </summary>
internal static class EventTimes
{
    /// <summary>The time that stands for a null: above every watermark.</summary>
    public const long Never = long.MaxValue;

    /// <summary>Writes the event time of each row of <paramref name="column"/> to <paramref name="times"/> (<see cref="Never"/> for null).</summary>
    public static void Read(IArrowArray column, Span<long> times)
    {
        var n = column.Length;
        if (column is StructArray window)
        {
            var type = (StructType)window.Data.DataType;
            var endIndex = type.GetFieldIndex("end");
            if (endIndex < 0) endIndex = type.Fields.Count - 1;
            // Arrow 23 gives a struct's children already sliced to the struct's offset and length: row i of the field is
            // row i of the window (indexing the field by the struct's offset again read past a sliced batch's rows).
            var end = window.Fields[endIndex];
            var values = ArrowSpans.Values<long>(end);
            var endValidity = ArrowSpans.Validity(end);
            var structValidity = ArrowSpans.Validity(window);
            var offset = window.Offset;
            for (var i = 0; i < n; i++)
            {
                var valid = ArrowSpans.IsValid(structValidity, offset, i) && ArrowSpans.IsValid(endValidity, end.Offset, i);
                times[i] = valid ? values[i] : Never;
            }
            return;
        }
        if (column.Data.DataType.TypeId is not (ArrowTypeId.Timestamp or ArrowTypeId.Int64))
            throw new AnalysisException($"An event-time column must be a timestamp or a window, not {column.Data.DataType.Name}.");
        var own = ArrowSpans.Values<long>(column);
        var validity = ArrowSpans.Validity(column);
        if (validity.IsEmpty)
        {
            own.CopyTo(times);
            return;
        }
        for (var i = 0; i < n; i++) times[i] = ArrowSpans.IsValid(validity, column.Offset, i) ? own[i] : Never;
    }

    /// <summary>The event times of a column as a new array.</summary>
    public static long[] Read(IArrowArray column)
    {
        var times = new long[column.Length];
        Read(column, times);
        return times;
    }
}
