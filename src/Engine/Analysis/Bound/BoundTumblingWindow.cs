using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Engine.Operators.Windows;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Analysis.Bound;

/// <summary><c>window(time, size)</c> in a projection (a tumbling window: one per row), as Spark's TimeWindow outside a
/// grouping: the struct of the window's start and end, null where the time is null. Joins on equal windows use it.</summary>
internal sealed class BoundTumblingWindow : BoundExpr
{
    private readonly BoundExpr _time;
    private readonly WindowAssigner _assigner;

    /// <summary>Windows of <paramref name="assigner"/> (its slide equal to its size) over the timestamps of <paramref name="time"/>.</summary>
    public BoundTumblingWindow(BoundExpr time, WindowAssigner assigner)
        : base(FunctionTypes.WindowType, true)
    {
        _time = time;
        _assigner = assigner;
    }

    /// <inheritdoc />
    protected override IArrowArray Compute(EvaluationScope scope)
    {
        var time = _time.Eval(scope);
        var values = WindowAssigner.TimeValues(time);
        var n = values.Length;
        var size = _assigner.SizeMicros;
        var offset = _assigner.StartMicros;
        var startValues = ArrayFactory.NewValues<long>(n);
        var endValues = ArrayFactory.NewValues<long>(n);
        var starts = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(startValues.AsSpan());
        var ends = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(endValues.AsSpan());
        // The one window holding t: its start is t rounded down to the grid of size starting at offset (Spark's TimeWindow).
        // A null time's slot holds whatever its value is; the validity masks it.
        for (var i = 0; i < n; i++)
        {
            var m = (values[i] - offset) % size;
            var start = values[i] - (m < 0 ? m + size : m);
            starts[i] = start;
            ends[i] = start + size;
        }
        var validity = Bitmaps.Validity(time);
        var type = (StructType)Type;
        return ArrayFactory.Struct(type,
            [ArrayFactory.Primitive(type.Fields[0].DataType, startValues, validity, n), ArrayFactory.Primitive(type.Fields[1].DataType, endValues, validity, n)],
            validity, n);
    }

    /// <summary>The assigner of <c>window(time, size[, slide[, start]])</c> in a projection; a slide other than the size
    /// (several windows per row) is refused there.</summary>
    public static WindowAssigner AssignerOf(FunctionCall call)
    {
        if (call.Args.Count is < 2 or > 4) throw new AnalysisException($"window() takes 2 to 4 arguments, got {call.Args.Count}.");
        var size = Duration(call.Args[1], "window duration");
        var slide = call.Args.Count > 2 ? Duration(call.Args[2], "slide duration") : size;
        var start = call.Args.Count > 3 ? Duration(call.Args[3], "start time") : 0;
        if (slide != size)
            throw new AnalysisException(
                $"A sliding window(...) (slide {ExpressionTyper.ToSql(call.Args[2])}) puts a row in several windows: use it as a groupBy key; in a select only tumbling windows are supported.");
        return new WindowAssigner(size, slide, start);
    }

    private static long Duration(Expr e, string what) => e switch
    {
        Literal { Value: string text } => IntervalParser.ParseMicros(text, what),
        Literal { TypeName: var t, Value: long micros } when t.StartsWith("interval", StringComparison.OrdinalIgnoreCase) => micros,
        _ => throw new AnalysisException($"The {what} of window() must be a literal interval such as '10 seconds', not {ExpressionTyper.ToSql(e)}."),
    };
}
