using Apache.Arrow;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.Operators.Aggregation;
using OrleansStream.Engine.Planning;
using OrleansStream.Plan.Sql;
using static OrleansStream.Engine.Tests.State.StateTestData;

namespace OrleansStream.Engine.Tests.Aggregation;

/// <summary>
/// The group-indexed session operator against the reference that rescans every live session: same output rows in the same
/// order, same checkpoint deltas and snapshots, same metrics, epoch after epoch (random keys, nulls, out-of-order times,
/// several producers, restores).
/// </summary>
public class SessionWindowOperatorTests
{
    private const long Second = 1_000_000;
    private static readonly DateTime Base = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static AggregateBinding Bind(string ddl, string keys)
    {
        var grouping = keys.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(k => SqlExpressionParser.ParseNamed(k.Trim()))
            .Append(SqlExpressionParser.ParseNamed("session_window(ts, '10 seconds')")).ToList();
        var outputs = grouping.Concat(new[] { "count(*) AS n", "sum(v) AS s", "first(v) AS f", "last(v) AS l" }.Select(SqlExpressionParser.ParseNamed)).ToList();
        var node = new Aggregate(new SourceRelation("0", "memory", new Dictionary<string, string>(), null, true), grouping, outputs);
        return AggregateBinding.Bind(node, Schema(ddl));
    }

    [Theory]
    [InlineData("append", "k bigint, ts timestamp, v double", "k")]
    [InlineData("append", "k bigint, name string, ts timestamp, v double", "name, k")]
    [InlineData("complete", "k bigint, ts timestamp, v double", "k")]
    public void RandomEpochs_MatchTheRescanningReference(string mode, string ddl, string keys)
    {
        var binding = Bind(ddl, keys);
        IStatefulOperator actual = new SessionWindowOperator(binding, mode);
        IStatefulOperator expected = new ReferenceSessionWindowOperator(binding, mode);
        IStatefulOperator rowByRow = new SessionWindowOperator(binding, mode);
        var random = new Random(11);
        var hasName = ddl.Contains("name");
        long watermark = 0;
        var maxTime = 0L;
        for (var epoch = 0; epoch < 60; epoch++)
        {
            var partials = new List<KeyedInput>();
            var unmerged = new List<KeyedInput>();
            for (var producer = 0; producer < 1 + epoch % 3; producer++)
            {
                if (epoch % 7 == 6) break; // epochs without input still evict
                var rows = Enumerable.Range(0, random.Next(1, 40)).Select(_ =>
                {
                    var t = epoch * 3 * Second + random.NextInt64(-6 * Second, 6 * Second);
                    maxTime = Math.Max(maxTime, t);
                    object? k = random.Next(10) == 0 ? null : (long)random.Next(12);
                    object? v = random.Next(8) == 0 ? null : Math.Round(random.NextDouble() * 100, 3);
                    var ts = Base.AddTicks(t * 10);
                    return hasName ? new[] { k, random.Next(9) == 0 ? null : "n" + random.Next(3), ts, v } : new[] { k, ts, v };
                }).ToArray();
                var writer = new AggregateExchangeWriter(binding);
                writer.Add(Batch(ddl, rows), new EpochContext(epoch, 0));
                partials.Add(writer.Finish()!);
                // Every row as its own session, as if the writer merged nothing locally.
                foreach (var row in rows)
                {
                    writer.Add(Batch(ddl, [row]), new EpochContext(epoch, 0));
                    unmerged.Add(writer.Finish()!);
                }
            }
            var late = watermark == 0 ? (long?)null : watermark;
            watermark = Math.Max(watermark, maxTime - 4 * Second);
            var context = new StatefulContext(epoch, late is null ? null : late + Micros(Base), watermark + Micros(Base));
            var want = expected.Process(partials, context);
            var got = actual.Process(partials, context);
            Assert.Equal(Rows(want).Select(Print), Rows(got).Select(Print));
            // Sessions merged by the writer come out as those merged only in state: same sessions, counts and sums (first
            // and last depend on the order in which pieces combine, as in Spark).
            Assert.Equal(Rows(rowByRow.Process(unmerged, context)).Select(OrderInsensitive).Order(), Rows(got).Select(OrderInsensitive).Order());
            Assert.Equal(Counters(rowByRow.Metrics), Counters(actual.Metrics));
            rowByRow.MarkClean();
            Assert.Equal(Counters(expected.Metrics), Counters(actual.Metrics));
            Assert.Equal(Rows(expected.Delta()).Select(Print), Rows(actual.Delta()).Select(Print));
            expected.MarkClean();
            actual.MarkClean();
            if (epoch % 20 == 19)
            {
                // A restore from a snapshot rebuilds the index; both continue from the same state.
                var snapshot = ThroughIpc(expected.Snapshot());
                Assert.Equal(Rows(snapshot).Select(Print), Rows(actual.Snapshot()).Select(Print));
                actual = new SessionWindowOperator(binding, mode);
                actual.Apply(snapshot);
                expected = new ReferenceSessionWindowOperator(binding, mode);
                expected.Apply(snapshot);
                var own = ThroughIpc(rowByRow.Snapshot());
                rowByRow = new SessionWindowOperator(binding, mode);
                rowByRow.Apply(own);
            }
        }
    }

    [Fact]
    public void OutOfOrderSessionsInOneBatch_MergeAcrossEpochs()
    {
        const string ddl = "k bigint, ts timestamp, v double";
        var binding = Bind(ddl, "k");
        var op = new SessionWindowOperator(binding, "append");
        RecordBatch Epoch(long epoch, long? evictSeconds, params object?[][] rows)
        {
            var writer = new AggregateExchangeWriter(binding);
            writer.Add(Batch(ddl, rows), new EpochContext(epoch, 0));
            var threshold = evictSeconds is { } s ? Micros(Base) + s * Second : (long?)null;
            return op.Process([writer.Finish()!], new StatefulContext(epoch, null, threshold));
        }
        object?[] Row(long k, int seconds, double v) => [k, Base.AddSeconds(seconds), v];

        // Key 1: 30 s and 5 s arrive first, 12 s later bridges them only with 21 s (a later epoch).
        Assert.Equal(0, Epoch(0, null, Row(1, 30, 1), Row(2, 0, 7), Row(1, 5, 2), Row(1, 12, 3)).Length);
        Assert.Equal(0, Epoch(1, null, Row(1, 21, 4)).Length);
        var rows = Rows(Epoch(2, 45, Row(2, 100, 8))).Select(Print).ToList();
        // Key 2's first session (0-10 s) and key 1's merged session (5-40 s) end by 45 s; key 2's second is open.
        Assert.Equal(2, rows.Count);
        Assert.Contains(rows, r => r.StartsWith("1 | ") && r.EndsWith(" | 4 | 10 | 2 | 1"));
        Assert.Contains(rows, r => r.StartsWith("2 | ") && r.EndsWith(" | 1 | 7 | 7 | 7"));
    }

    // The row without first and last, its sum rounded past floating-point noise.
    private static string OrderInsensitive(object?[] row) =>
        Print([.. row[..^4], row[^4], row[^3] is double sum ? Math.Round(sum, 6) : null]);

    private static long Micros(DateTime t) => (t - DateTime.UnixEpoch).Ticks / 10;

    // Sizes and timings differ between implementations and runs; the counters must not.
    private static StateOperatorMetrics Counters(StateOperatorMetrics m) => m with { MemoryUsedBytes = 0, AllUpdatesTimeMs = 0, AllRemovalsTimeMs = 0 };
}
