using System.Runtime.InteropServices;
using Apache.Arrow;
using OrleansStream.Engine.Expressions.Kernels;

namespace OrleansStream.Engine.Analysis.Bound;

/// <summary><c>timestamp ± interval</c> with a constant day-time interval: every timestamp moved by the same microseconds,
/// nulls kept (Spark's TimeAdd with a DayTimeIntervalType literal).</summary>
internal sealed class BoundTimestampShift : BoundExpr
{
    private readonly BoundExpr _child;
    private readonly long _micros;

    /// <summary><paramref name="child"/>, a timestamp, moved by <paramref name="micros"/>.</summary>
    public BoundTimestampShift(BoundExpr child, long micros)
        : base(child.Type, child.Nullable)
    {
        _child = child;
        _micros = micros;
    }

    /// <inheritdoc />
    protected override IArrowArray Compute(EvaluationScope scope)
    {
        var input = (TimestampArray)_child.Eval(scope);
        var n = input.Length;
        var source = input.Values;
        var bytes = ArrayFactory.NewValues<long>(n);
        var target = MemoryMarshal.Cast<byte, long>(bytes.AsSpan());
        for (var i = 0; i < n; i++) target[i] = unchecked(source[i] + _micros);
        return ArrayFactory.Primitive(input.Data.DataType, bytes, Bitmaps.Validity(input), n);
    }
}
