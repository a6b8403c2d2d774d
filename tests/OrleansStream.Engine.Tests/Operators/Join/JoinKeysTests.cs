using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Operators.Join;

namespace OrleansStream.Engine.Tests.Operators.Join;

/// <summary>A struct join key (a window) reads as its leaf fields, also when the batch is a slice of a larger one.</summary>
public class JoinKeysTests
{
    private static readonly StructType Window = new([new Field("start", Int64Type.Default, true), new Field("end", Int64Type.Default, true)]);

    // Five windows [0, 10) ... [40, 50) in a "window" column; row 3 null when asked.
    private static RecordBatch Windows(bool withANullWindow)
    {
        var starts = new Int64Array.Builder().AppendRange([0, 10, 20, 30, 40]).Build();
        var ends = new Int64Array.Builder().AppendRange([10, 20, 30, 40, 50]).Build();
        var validity = new ArrowBuffer.BitmapBuilder().AppendRange(true, 3).Append(!withANullWindow).Append(true).Build();
        var windows = new StructArray(Window, 5, [starts, ends], validity, withANullWindow ? 1 : 0);
        return new RecordBatch(new Schema([new Field("window", Window, true)], null), [windows], 5);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void StructKeyOfASlicedBatch_ReadsTheSlicesRows(bool withANullWindow)
    {
        // Row 3 is a null window when asked: a null struct reads as nulls in every field.
        var slice = Windows(withANullWindow).Slice(2, 2);

        var columns = JoinKeys.Columns(slice, [0]);

        var start = (Int64Array)columns[0];
        var end = (Int64Array)columns[1];
        Assert.Equal(2, start.Length);
        Assert.Equal([20L, withANullWindow ? null : 30L], [start.GetValue(0), start.GetValue(1)]);
        Assert.Equal([30L, withANullWindow ? null : 40L], [end.GetValue(0), end.GetValue(1)]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EventTimeOfAWindowInASlicedBatch_IsTheSlicesRowsEnd(bool withANullWindow)
    {
        var slice = Windows(withANullWindow).Slice(2, 3);

        var times = EventTimes.Read(slice.Column(0));

        // A null window is never evicted.
        Assert.Equal([30L, withANullWindow ? EventTimes.Never : 40L, 50L], times);
    }
}
