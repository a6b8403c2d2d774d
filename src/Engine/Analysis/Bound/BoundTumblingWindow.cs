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
        var n = time.Length;
        var rows = new int[n];
        var starts = new long[n];
        var ends = new long[n];
        // A tumbling window holds each non-null time once: the kept rows are the non-null ones, in order.
        var kept = _assigner.Assign(time, 0, rows, starts, ends);
        var startValues = ArrayFactory.NewValues<long>(n);
        var endValues = ArrayFactory.NewValues<long>(n);
        var startSpan = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(startValues.AsSpan());
        var endSpan = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(endValues.AsSpan());
        for (var k = 0; k < kept; k++)
        {
            startSpan[rows[k]] = starts[k];
            endSpan[rows[k]] = ends[k];
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
