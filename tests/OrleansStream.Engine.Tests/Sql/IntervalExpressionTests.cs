using Apache.Arrow;
using OrleansStream.Engine.Expressions;
using OrleansStream.Plan.Sql;
using OrleansStream.Plan.Types;
using static OrleansStream.Engine.Tests.Expressions.TestData;

namespace OrleansStream.Engine.Tests.Sql;

/// <summary>Day-time interval literals in SQL expressions and timestamp ± interval, as join conditions use them.</summary>
public class IntervalExpressionTests
{
    private const long Second = 1_000_000;
    private static Expr P(string s) => SqlExpressionParser.Parse(s);

    [Theory]
    [InlineData("interval 5 seconds", 5 * Second)]
    [InlineData("INTERVAL 5 SECOND", 5 * Second)]
    [InlineData("INTERVAL '1' HOUR", 3600 * Second)]
    [InlineData("interval 1 hour 30 minutes", 5400 * Second)]
    [InlineData("INTERVAL '10 seconds'", 10 * Second)]
    [InlineData("interval 500 milliseconds", Second / 2)]
    [InlineData("interval -2 days", -2 * 86_400 * Second)]
    [InlineData("interval 1.5 seconds", 3 * Second / 2)]
    public void IntervalLiterals_AreDayTimeIntervalsInMicroseconds(string sql, long micros) =>
        Assert.Equal(new Literal(micros, "interval day to second"), P(sql));

    [Fact]
    public void YearMonthIntervals_AndMissingUnits_AreRefusedByTheParser()
    {
        Assert.Throws<SqlParseException>(() => P("interval 1 month"));
        Assert.Throws<SqlParseException>(() => P("interval 5"));
        // A column named like the keyword still reads as a column where no interval follows.
        Assert.Throws<SqlParseException>(() => P("interval"));
    }

    [Fact]
    public void TimestampPlusOrMinusAnInterval_MovesEveryTimestamp_KeepingNulls()
    {
        var batch = new RecordBatch(DataTypes.ParseSchema("t TIMESTAMP"), [Timestamps(10 * Second, null, 0)], 3);
        Assert.Equal(Values(Timestamps(3610 * Second, null, 3600 * Second)), Values(ExpressionEvaluator.Evaluate(P("t + interval 1 hour"), batch, Ctx)));
        Assert.Equal(Values(Timestamps(5 * Second, null, -5 * Second)), Values(ExpressionEvaluator.Evaluate(P("t - interval 5 seconds"), batch, Ctx)));
        Assert.Equal(Values(Timestamps(11 * Second, null, Second)), Values(ExpressionEvaluator.Evaluate(P("INTERVAL '1' SECOND + t"), batch, Ctx)));
        Assert.Equal("timestamp", DataTypes.ToDdl(ExpressionTyper.TypeOf(P("t + interval 1 hour"), batch.Schema)));
    }

    [Fact]
    public void BetweenTimestampBounds_ComparesAsTimestamps()
    {
        var schema = DataTypes.ParseSchema("l TIMESTAMP, r TIMESTAMP");
        var batch = new RecordBatch(schema, [Timestamps(10 * Second, 10 * Second, 10 * Second, null), Timestamps(5 * Second, 16 * Second, 14 * Second, Second)], 4);
        var between = ExpressionEvaluator.Evaluate(P("l BETWEEN r - interval 5 seconds AND r + interval 5 seconds"), batch, Ctx);
        Assert.Equal(new object?[] { true, false, true, null }, Values(between));
    }

    [Fact]
    public void AnIntervalOnAnythingButATimestamp_IsAnAnalysisError()
    {
        var schema = DataTypes.ParseSchema("n INT, t TIMESTAMP");
        var onInt = Assert.Throws<AnalysisException>(() => ExpressionTyper.TypeOf(P("n + interval 1 hour"), schema));
        Assert.Contains("requires the \"TIMESTAMP\" type", onInt.Message);
        Assert.Throws<AnalysisException>(() => ExpressionTyper.TypeOf(P("interval 1 hour - t"), schema));
    }

    [Fact]
    public void IntervalLiterals_SurviveThePlansJson_AndPrintAsSparkDoes()
    {
        var plan = new Filter(new LocalRelation([]), P("t < now() - interval 90 minutes"));
        var back = (Filter)PlanSerializer.Deserialize(PlanSerializer.Serialize(plan));
        Assert.Equal(new Literal(5400 * Second, "interval day to second"), ((BinaryExpr)((BinaryExpr)back.Condition).Right).Right);
        Assert.Equal("(t < (now() - INTERVAL '0 01:30:00' DAY TO SECOND))", ExprSql.ToSql(back.Condition));
    }
}
