using OrleansStream.Engine.Operators.Join;

namespace OrleansStream.Engine.Tests.Operators.Join;

/// <summary>
/// The state value watermark of the left side from the condition and the right side's watermark: the facts of Spark's
/// StreamingJoinHelperSuite ("extract watermark from time condition"), with leftTime = <c>__l0</c>, leftOther = <c>__l1</c>,
/// rightTime = <c>__r0</c> (watermarked, at 10,000 ms), rightOther = <c>__r1</c>. Results in milliseconds as Spark's.
/// </summary>
public class StateValueWatermarkTests
{
    private static long? WatermarkFrom(string condition) => WatermarkFrom(SqlExpressionParser.Parse(Names(condition)));

    private static long? WatermarkFrom(Expr condition) =>
        StateValueWatermark.Of(condition, forLeft: true, otherEventTime: 0, watermarkMicros: 10_000_000) is { } micros ? micros / 1000 : null;

    private static string Names(string sql) => sql.Replace("leftTime", "__l0").Replace("leftOther", "__l1").Replace("rightTime", "__r0").Replace("rightOther", "__r1");

    private static Expr Col(string name) => new ColumnRef(Names(name));

    private static Expr Interval(string text) => new Literal(text, "interval");

    private static Expr Plus(Expr a, Expr b) => new BinaryExpr(BinaryOp.Add, a, b);

    private static Expr Minus(Expr a, Expr b) => new BinaryExpr(BinaryOp.Subtract, a, b);

    [Theory]
    [InlineData("leftTime > rightTime", 10000L)]
    [InlineData("leftTime >= rightTime", 9999L)]
    [InlineData("leftTime < rightTime", null)]
    [InlineData("leftTime <= rightTime", null)]
    [InlineData("rightTime > leftTime", null)]
    [InlineData("rightTime >= leftTime", null)]
    [InlineData("rightTime < leftTime", 10000L)]
    [InlineData("rightTime <= leftTime", 9999L)]
    [InlineData("CAST(leftTime AS LONG) > CAST(rightTime AS LONG)", 10000L)]
    [InlineData("CAST(leftTime AS LONG) < CAST(rightTime AS LONG)", null)]
    [InlineData("CAST(leftTime AS DOUBLE) > CAST(rightTime AS DOUBLE)", 10000L)]
    [InlineData("CAST(leftTime AS LONG) > CAST(rightTime AS DOUBLE)", 10000L)]
    [InlineData("CAST(leftTime AS LONG) > CAST(rightTime AS FLOAT)", 10000L)]
    [InlineData("CAST(leftTime AS STRING) > CAST(rightTime AS STRING)", null)]
    [InlineData("CAST(leftTime AS LONG) > CAST(rightTime AS LONG) + 1", 11000L)]
    [InlineData("CAST(leftTime AS LONG) > CAST(rightTime AS LONG) - 1", 9000L)]
    [InlineData("CAST(leftTime AS LONG) > 2 + CAST(rightTime AS LONG)", 12000L)]
    [InlineData("CAST(leftTime AS LONG) > -0.5 + CAST(rightTime AS LONG)", 9500L)]
    [InlineData("CAST(leftTime AS LONG) - CAST(rightTime AS LONG) > 2", 12000L)]
    [InlineData("-CAST(rightTime AS DOUBLE) + CAST(leftTime AS LONG) > 0.1", 10100L)]
    [InlineData("0 > CAST(rightTime AS LONG) - CAST(leftTime AS LONG) + 0.2", 10200L)]
    [InlineData("CAST(leftTime AS LONG) + 2 > CAST(rightTime AS LONG)", 8000L)]
    [InlineData("1 + CAST(leftTime AS LONG) > CAST(rightTime AS LONG)", 9000L)]
    [InlineData("CAST(leftTime AS LONG) - 2 > CAST(rightTime AS LONG)", 12000L)]
    [InlineData("CAST(leftTime AS LONG) + 0.5 > CAST(rightTime AS LONG)", 9500L)]
    [InlineData("CAST(leftTime AS LONG) - CAST(rightTime AS LONG) - 2 > 0", 12000L)]
    [InlineData("-CAST(rightTime AS LONG) + CAST(leftTime AS LONG) - 0.1 > 0", 10100L)]
    [InlineData("CAST(leftTime AS LONG) - 2.0 > CAST(rightTime AS LONG) + 1", 13000L)]
    [InlineData("cast(leftTime AS LONG) > leftOther", null)]
    [InlineData("leftOther > rightOther", null)]
    [InlineData("leftOther > rightOther AND leftTime > rightTime", 10000L)]
    [InlineData("cast(rightTime AS DOUBLE) < rightOther", null)]
    [InlineData("cast(leftTime AS LONG) > 10", 10000L)]
    [InlineData("CAST(leftTime AS LONG) > CAST(rightTime AS LONG) - 10", 0L)]
    [InlineData("CAST(leftTime AS LONG) > CAST(rightTime AS LONG) - 100", -90000L)]
    public void Solves_Sparks_conditions(string condition, long? expectedMillis) => Assert.Equal(expectedMillis, WatermarkFrom(condition));

    [Fact]
    public void Solves_intervals_and_takes_the_smallest_bound()
    {
        Assert.Equal(11000L, WatermarkFrom(new BinaryExpr(BinaryOp.GreaterThan, Col("leftTime"), Plus(Col("rightTime"), Interval("1 second")))));
        Assert.Equal(8000L, WatermarkFrom(new BinaryExpr(BinaryOp.GreaterThan, Plus(Col("leftTime"), Interval("2 seconds")), Col("rightTime"))));
        Assert.Equal(7000L, WatermarkFrom(new BinaryExpr(BinaryOp.GreaterThan, Col("leftTime"), Minus(Col("rightTime"), Interval("3 second")))));
        Assert.Equal(13000L, WatermarkFrom(new BinaryExpr(BinaryOp.LessThan, Col("rightTime"), Minus(Col("leftTime"), Interval("3 second")))));
        Assert.Equal(12000L, WatermarkFrom(new BinaryExpr(BinaryOp.LessThan, Minus(Col("rightTime"), Interval("1 second")), Minus(Col("leftTime"), Interval("3 second")))));
        Assert.Equal(160250000L, WatermarkFrom(new BinaryExpr(BinaryOp.LessThan, Col("rightTime"), Minus(Col("leftTime"), Interval("1 day 20 hours 30 minutes 40 seconds")))));
        Assert.Null(WatermarkFrom(new BinaryExpr(BinaryOp.GreaterThan, Col("leftTime"), Plus(Col("rightTime"), Interval("1 month")))));
        Expr First(string bound) => new BinaryExpr(BinaryOp.And,
            new BinaryExpr(BinaryOp.GreaterThan, Col("leftTime"), Minus(Col("rightTime"), Interval("3 second"))),
            new BinaryExpr(BinaryOp.LessThan, Col("rightTime"), Plus(Col("leftTime"), Interval(bound))));
        Assert.Equal(7000L, WatermarkFrom(First("2 seconds")));
        Assert.Equal(6000L, WatermarkFrom(First("4 seconds")));
        // No watermark on the other side: nothing to solve with.
        Assert.Null(StateValueWatermark.Of(SqlExpressionParser.Parse("__l0 > __r0"), true, null, 10_000_000));
    }
}
