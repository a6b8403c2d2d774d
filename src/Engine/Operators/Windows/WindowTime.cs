using System.Runtime.InteropServices;
using Apache.Arrow;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Operators.Windows;

/// <summary>window_time(window): the event time of a window, its end minus one microsecond (so it lies inside the window).</summary>
internal static class WindowTime
{
    public static IArrowArray Of(IArrowArray window)
    {
        if (window is not StructArray s || s.Fields.Count < 2)
            throw new AnalysisException("window_time needs a window column (a struct of start and end).");
        var ends = WindowAssigner.TimeValues(s.Fields[1]);
        var values = ArrayFactory.NewValues<long>(ends.Length);
        var target = MemoryMarshal.Cast<byte, long>(values.AsSpan());
        for (var i = 0; i < ends.Length; i++) target[i] = ends[i] - 1;
        return ArrayFactory.Primitive(DataTypes.Timestamp, values, Bitmaps.AndValidity(s, s.Fields[1]), ends.Length);
    }
}
