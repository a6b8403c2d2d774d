using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Operators.Watermark;
using static OrleansStream.Engine.Tests.State.StateTestData;

namespace OrleansStream.Engine.Tests.Operators;

/// <summary>The event-time statistics withWatermark records for the trigger (Spark's EventTimeStats).</summary>
public class WatermarkOperatorTests
{
    private const string Ddl = "ts timestamp, v bigint";

    // 37 rows: whole vectors and a tail, times far from the epoch and out of order, the extremes in the middle and the tail.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Process_RecordsMinMaxSumAndCountOfTheTimesPresent(bool withNulls)
    {
        var start = new DateTime(2026, 11, 24, 0, 0, 0, DateTimeKind.Utc);
        var seconds = Enumerable.Range(0, 37).Select(i => (i * 7919) % 37).ToArray();
        seconds[17] = -5;
        seconds[36] = 90;
        var rows = seconds.Select((s, i) => new object?[] { withNulls && i % 5 == 0 ? null : start.AddSeconds(s), (long)i }).ToArray();
        var present = rows.Where(r => r[0] is not null).Select(r => ((DateTime)r[0]!).Ticks / 10 - DateTime.UnixEpoch.Ticks / 10).ToList();
        var collector = new EventTimeCollector();
        var op = new WatermarkOperator(3, 0, Schema(Ddl));

        var input = Batch(Ddl, rows);
        Assert.Same(input, op.Process(input, new EpochContext(0, 0) { EventTime = collector }));

        var stats = collector.Stats[3];
        Assert.Equal(present.Min(), stats.MinMicros);
        Assert.Equal(present.Max(), stats.MaxMicros);
        Assert.Equal(present.Count, stats.Count);
        Assert.Equal(present.Select(t => (decimal)t).Sum(), (decimal)stats.SumMicros);
    }
}
