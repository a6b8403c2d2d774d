using OrleansStream.Engine.Data;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.Operators.Aggregation;
using OrleansStream.Engine.Planning;
using OrleansStream.Engine.State;
using OrleansStream.Plan.Sql;
using static OrleansStream.Engine.Tests.State.StateTestData;

namespace OrleansStream.Engine.Tests.Aggregation;

/// <summary>The partial aggregation before the shuffle, checked against windows assigned row by row.</summary>
public class AggregateExchangeWriterTests
{
    private const string Ddl = "k bigint, t timestamp, v bigint";

    // Sliding windows whose size is a multiple of the slide are folded per pane and then merged into each window; the
    // others (and an offset start) are assigned row by row. Either way every window must hold exactly its rows.
    [Theory]
    [InlineData("'10 seconds', '2 seconds'")]
    [InlineData("'10 seconds', '2 seconds', '1 second'")]
    [InlineData("'10 seconds', '5 seconds', '-3 seconds'")]
    [InlineData("'10 seconds', '3 seconds'")]
    [InlineData("'4 seconds'")]
    public void SlidingWindowPartials_HoldEveryRowInEveryWindowThatContainsIt(string window)
    {
        var binding = Bind($"window(t, {window})");
        var (size, slide, start) = (binding.Keys[1].Window!.SizeMicros, binding.Keys[1].Window!.SlideMicros, binding.Keys[1].Window!.StartMicros);
        var random = new Random(7);
        var batches = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, 400).Select(_ => RandomRow(random)).ToArray()).ToList();

        // Two producers, the first with two batches in its epoch, as a state partition receives them.
        var first = new AggregateExchangeWriter(binding);
        first.Add(Batch(Ddl, batches[0]), new EpochContext(0, 0));
        first.Add(Batch(Ddl, batches[1]), new EpochContext(0, 0));
        var second = new AggregateExchangeWriter(binding);
        second.Add(Batch(Ddl, batches[2]), new EpochContext(0, 0));
        var op = new StreamingAggregationOperator(binding, "update", null);
        var output = op.Process([first.Finish()!, second.Finish()!], new StatefulContext(0, null, null));

        var actual = Rows(output).Select(r => Print([r[0], .. (object?[])r[1]!, .. r[2..]])).Order(StringComparer.Ordinal).ToList();
        var expected = Expected(batches.SelectMany(b => b), size, slide, start);
        Assert.Equal(expected, actual);
    }

    // Rows of one group that overlap within a batch are merged into one session before the shuffle and folded in time
    // order; a second batch of the same epoch adds its own sessions, which the state merges with the first's.
    [Fact]
    public void SessionPartials_FoldEachLocallyMergedSessionInTimeOrder_AndTheStateMergesThemAcrossBatches()
    {
        var binding = Bind("session_window(t, '10 seconds')", "count(*) AS n", "sum(v) AS s", "first(v) AS f", "last(v) AS l");
        object?[] Row(long k, int seconds, long v) => [k, DateTime.UnixEpoch.AddSeconds(seconds), v];

        var writer = new AggregateExchangeWriter(binding);
        writer.Add(Batch(Ddl, Row(1, 30, 1), Row(1, 5, 2), Row(2, 1, 3), Row(1, 0, 4), Row(1, 12, 5)), new EpochContext(0, 0));
        var firstBatch = writer.Finish()!;
        // Key 1: [0, 22) from 0, 5 and 12 s, and [30, 40); key 2: [1, 11).
        Assert.Equal(3, firstBatch.Length);
        writer.Add(Batch(Ddl, Row(1, 0, 4), Row(1, 5, 2), Row(1, 12, 5), Row(1, 30, 1), Row(2, 1, 3)), new EpochContext(0, 0));
        writer.Add(Batch(Ddl, Row(2, 3, 6), Row(1, 50, 7)), new EpochContext(0, 0));
        var twoBatches = writer.Finish()!;
        Assert.Equal(5, twoBatches.Length);

        var op = new SessionWindowOperator(binding, "complete");
        var output = op.Process([twoBatches], new StatefulContext(0, null, null));
        DateTime S(int seconds) => DateTime.UnixEpoch.AddSeconds(seconds);
        Assert.Equal(
            new[]
            {
                Print([1L, S(0), S(22), 3L, 11L, 4L, 5L]),
                Print([1L, S(30), S(40), 1L, 1L, 1L, 1L]),
                Print([1L, S(50), S(60), 1L, 7L, 7L, 7L]),
                Print([2L, S(1), S(13), 2L, 9L, 3L, 6L]),
            },
            Rows(output).Select(r => Print([r[0], .. (object?[])r[1]!, .. r[2..]])).Order(StringComparer.Ordinal));
    }

    // A tumbling window's batch whose rows all fall in one window, or in a few runs of one window each, is folded by k alone
    // (or as one group, without k) a run at a time, and joins the other partials when rows of another window come, or the
    // epoch ends: every window holds exactly its rows, first and last in row order, whatever the batches' mix.
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TumblingWindowPartials_OfBatchesInOneWindowOrSeveral_HoldEveryRowInRowOrder(bool groupedByK)
    {
        string[] aggregates = ["count(*) AS n", "sum(v) AS s", "min(v) AS lo", "max(v) AS hi", "first(v) AS f", "last(v) AS l"];
        var binding = Bind(groupedByK ? ["k", "window(t, '10 seconds')"] : ["window(t, '10 seconds')"], aggregates);
        var random = new Random(3);
        // Windows [0, 10), [10, 20) and [20, 30) s: batches in one window (two in a row in the first), all three mixed, then
        // one again; then batches in runs of one window each (rows ordered by their window's place in the list): two and
        // three runs without null times (folded from slices of the batch), three with (gathered), and five (too many runs:
        // folded by window bounds).
        (int[] Windows, bool Runs, bool NullTimes)[] specs =
        [
            ([0], false, true), ([0], false, true), ([1], false, true), ([0, 1, 2], false, true), ([1], false, true), ([0], false, true), ([2], false, true),
            ([2, 0], true, false), ([0, 1, 2], true, false), ([1, 2, 0], true, true), ([0, 1, 0, 1, 2], true, false), ([1], false, false),
        ];
        var batches = specs.Select(spec => Enumerable.Range(0, 300).Select(_ => random.Next(spec.Windows.Length)).OrderBy(run => spec.Runs ? run : 0)
            .Select(run => new object?[]
            {
                random.Next(8) == 0 ? null : (long)random.Next(4),
                spec.NullTimes && random.Next(40) == 0 ? null : DateTime.UnixEpoch.AddMilliseconds(spec.Windows[run] * 10_000 + random.Next(10_000)),
                random.Next(6) == 0 ? null : (long)random.Next(-50, 50),
            }).ToArray()).ToList();

        var writer = new AggregateExchangeWriter(binding);
        foreach (var batch in batches) writer.Add(Batch(Ddl, batch), new EpochContext(0, 0));
        var op = new StreamingAggregationOperator(binding, "update", null);
        var output = op.Process([writer.Finish()!], new StatefulContext(0, null, null));

        var actual = Rows(output).Select(r => Print(groupedByK ? [r[0], .. (object?[])r[1]!, .. r[2..]] : [.. (object?[])r[0]!, .. r[1..]]))
            .Order(StringComparer.Ordinal).ToList();
        var windows = new Dictionary<(long?, long), List<long?>>();
        var order = new List<(long?, long)>();
        foreach (var row in batches.SelectMany(b => b))
        {
            if (row[1] is not DateTime time) continue;
            var key = (groupedByK ? (long?)row[0] : null, (time - DateTime.UnixEpoch).Ticks / 10 / 10_000_000 * 10_000_000);
            if (!windows.TryGetValue(key, out var values)) windows[key] = values = [];
            values.Add((long?)row[2]);
        }
        var expected = windows.Select(w =>
        {
            var present = w.Value.Where(v => v is not null).Select(v => v!.Value).ToList();
            object?[] window = [Micros(w.Key.Item2), Micros(w.Key.Item2 + 10_000_000)];
            object?[] values = [(long)w.Value.Count, present.Count == 0 ? null : present.Sum(), present.Count == 0 ? null : present.Min(),
                present.Count == 0 ? null : present.Max(), w.Value[0], w.Value[^1]];
            return Print(groupedByK ? [w.Key.Item1, .. window, .. values] : [.. window, .. values]);
        }).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, actual);
        Assert.Equal(groupedByK ? 15 : 3, expected.Count);
    }

    // A batch's runs of one window are found a vector of times at a time: a run ends at whichever row of a vector (or the
    // batch's last) first leaves its window, a row at the window's very end starts the next window's run, and a row back in
    // the window before (its last microsecond) starts a run of its own. Every window holds exactly its rows.
    [Fact]
    public void TumblingWindowRuns_EndingAtAnyRowOfAVector_HoldEveryRowInItsWindow()
    {
        var binding = Bind("window(t, '10 seconds')");
        const int length = 37;
        for (var boundary = 1; boundary < length; boundary++)
            foreach (var back in new[] { -1, boundary + 1 + boundary % 9 })
            {
                var rows = Enumerable.Range(0, length).Select(i => new object?[]
                {
                    1L,
                    i == back ? Micros(9_999_999) : i < boundary ? Micros(9_000_000 + i * 1000) : Micros(10_000_000 + (i - boundary) * 1000),
                    (long)i,
                }).ToArray();
                var writer = new AggregateExchangeWriter(binding);
                writer.Add(Batch(Ddl, rows), new EpochContext(0, 0));
                var op = new StreamingAggregationOperator(binding, "update", null);
                var output = op.Process([writer.Finish()!], new StatefulContext(0, null, null));

                var actual = Rows(output).Select(r => Print([r[0], .. (object?[])r[1]!, .. r[2..]])).Order(StringComparer.Ordinal).ToList();
                Assert.Equal(Expected(rows, 10_000_000, 10_000_000, 0), actual);
            }
    }

    // A sliding window's panes (tumbling windows a slide long) are folded as a tumbling window's rows are: a batch in one pane,
    // or in a few runs of one pane each, by k alone a run at a time, the run's partials joining the panes' before they are
    // merged into their windows; a batch of one time (processing time) at once; too many runs pane by pane. Every window
    // holds exactly its rows, whatever the batches' mix; first and last follow the panes' time order, then row order.
    [Fact]
    public void SlidingWindowPanes_OfBatchesInOnePaneOrRunsOfPanes_HoldEveryRowInEveryWindow()
    {
        var binding = Bind(["k", "window(t, '10 seconds', '2 seconds')"],
            ["count(*) AS n", "sum(v) AS s", "min(v) AS lo", "max(v) AS hi", "first(v) AS f", "last(v) AS l"]);
        var random = new Random(5);
        // Panes [0, 2), [2, 4), ... s: batches in one pane (twice the same in a row), in two to four runs of one pane each
        // (with and without null times), six runs of 50 rows (pane by pane) and of about 1,000 (a run at a time), panes mixed
        // row by row, and one time for a whole batch.
        (int[] Panes, bool Runs, bool NullTimes, bool OneTime, int Rows)[] specs =
        [
            ([0], false, false, false, 300), ([0], false, true, false, 300), ([1], false, false, false, 300), ([1, 2], true, false, false, 300),
            ([2, 3, 4, 5], true, true, false, 300), ([7, 6, 8], true, false, false, 300), ([0, 1, 2, 3, 4, 5], true, false, false, 300),
            ([5, 6, 7, 8, 9, 10], true, false, false, 6_144), ([3, 9, 4], false, true, false, 300), ([6], false, false, true, 300),
            ([11], false, false, true, 300), ([10, 11, 12], true, false, false, 300),
        ];
        var batches = specs.Select(spec =>
        {
            var oneTime = DateTime.UnixEpoch.AddMilliseconds(spec.Panes[0] * 2_000 + random.Next(2_000));
            return Enumerable.Range(0, spec.Rows).Select(_ => random.Next(spec.Panes.Length)).OrderBy(run => spec.Runs ? run : 0)
                .Select(run => new object?[]
                {
                    random.Next(8) == 0 ? null : (long)random.Next(30),
                    spec.NullTimes && random.Next(40) == 0 ? null
                        : spec.OneTime ? oneTime : DateTime.UnixEpoch.AddMilliseconds(spec.Panes[run] * 2_000 + random.Next(2_000)),
                    random.Next(6) == 0 ? null : (long)random.Next(-50, 50),
                }).ToArray();
        }).ToList();

        var writer = new AggregateExchangeWriter(binding);
        foreach (var batch in batches) writer.Add(Batch(Ddl, batch), new EpochContext(0, 0));
        var output = new StreamingAggregationOperator(binding, "update", null).Process([writer.Finish()!], new StatefulContext(0, null, null));

        var actual = Rows(output).Select(r => Print([r[0], .. (object?[])r[1]!, .. r[2..]])).Order(StringComparer.Ordinal).ToList();
        var expected = PaneWindows(batches);
        Assert.Equal(expected, actual);
    }

    // Event time in order flushes each pane's partials once: they go to the windows as they are, not merged by the full key
    // first. A pane whose rows come again after a later pane's (event time out of order, within an epoch or a batch of runs)
    // is flushed twice; its pieces go to its windows in the order they came, so every window holds exactly its rows, first
    // and last in pane, then row order, as when the panes were merged by the full key.
    [Theory]
    [InlineData(new[] { 0, 1, 2, 3, 4, 5, 6 })]
    [InlineData(new[] { 3 })]
    [InlineData(new[] { 2, 4, 3, 5, 4, 2 })]
    [InlineData(new[] { 9, 8, 7, 6 })]
    public void SlidingWindowPanes_FlushedOnceOrAgainOutOfOrder_HoldEveryRowInEveryWindow(int[] panes)
    {
        var binding = Bind(["k", "window(t, '10 seconds', '2 seconds')"],
            ["count(*) AS n", "sum(v) AS s", "first(v) AS f", "last(v) AS l"]);
        var random = new Random(11);
        // A batch per pane, and one batch of two runs (the last two panes), each row's time within its pane.
        object?[] Row(int pane) =>
            [random.Next(8) == 0 ? null : (long)random.Next(20), DateTime.UnixEpoch.AddMilliseconds(pane * 2_000 + random.Next(2_000)), (long)random.Next(-50, 50)];
        var batches = panes.Select(pane => Enumerable.Range(0, 200).Select(_ => Row(pane)).ToArray()).ToList();
        if (panes.Length > 1) batches.Add([.. Enumerable.Range(0, 150).Select(_ => Row(panes[^2])), .. Enumerable.Range(0, 150).Select(_ => Row(panes[^1]))]);

        var writer = new AggregateExchangeWriter(binding);
        foreach (var batch in batches) writer.Add(Batch(Ddl, batch), new EpochContext(0, 0));
        var output = new StreamingAggregationOperator(binding, "update", null).Process([writer.Finish()!], new StatefulContext(0, null, null));

        var actual = Rows(output).Select(r => Print([r[0], .. (object?[])r[1]!, .. r[2..]])).Order(StringComparer.Ordinal).ToList();
        var expected = PaneWindows(batches, sumsOnly: true);
        Assert.Equal(expected, actual);
    }

    // A window alone (no other grouping column): each window's panes fold into its one row, the same with panes in order
    // and revisited.
    [Fact]
    public void SlidingWindowPanes_OfAWindowAlone_HoldEveryRowInEveryWindow()
    {
        var binding = Bind(["window(t, '10 seconds', '2 seconds')"], ["count(*) AS n", "sum(v) AS s", "first(v) AS f", "last(v) AS l"]);
        var random = new Random(13);
        var batches = new[] { 4, 5, 6, 5, 9 }.Select(pane => Enumerable.Range(0, 100).Select(_ => new object?[]
        {
            null, DateTime.UnixEpoch.AddMilliseconds(pane * 2_000 + random.Next(2_000)), random.Next(6) == 0 ? null : (long)random.Next(-50, 50),
        }).ToArray()).ToList();

        var writer = new AggregateExchangeWriter(binding);
        foreach (var batch in batches) writer.Add(Batch(Ddl, batch), new EpochContext(0, 0));
        var output = new StreamingAggregationOperator(binding, "update", null).Process([writer.Finish()!], new StatefulContext(0, null, null));

        var actual = Rows(output).Select(r => Print([null, .. (object?[])r[0]!, .. r[1..]])).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(PaneWindows(batches, sumsOnly: true), actual);
    }

    // Per 10-second window sliding by 2 seconds, its rows ordered by pane, then row order: count, sum, (min, max,) first, last.
    private static List<string> PaneWindows(IEnumerable<object?[][]> batches, bool sumsOnly = false)
    {
        // Per window, its rows ordered by pane, then row order.
        var windows = new Dictionary<(long?, long), List<(long Pane, int Row, long? V)>>();
        var rowIndex = 0;
        foreach (var row in batches.SelectMany(b => b))
        {
            rowIndex++;
            if (row[1] is not DateTime time) continue;
            var pane = (long)Math.Floor((time - DateTime.UnixEpoch).TotalSeconds / 2) * 2_000_000;
            for (var start = pane; start > pane - 10_000_000; start -= 2_000_000)
            {
                if (!windows.TryGetValue(((long?)row[0], start), out var rows)) windows[((long?)row[0], start)] = rows = [];
                rows.Add((pane, rowIndex, (long?)row[2]));
            }
        }
        return windows.Select(w =>
        {
            var ordered = w.Value.OrderBy(r => r.Pane).ThenBy(r => r.Row).ToList();
            var present = ordered.Where(r => r.V is not null).Select(r => r.V!.Value).ToList();
            object?[] sum = [present.Count == 0 ? null : present.Sum()];
            object?[] minMax = sumsOnly ? [] : [present.Count == 0 ? null : present.Min(), present.Count == 0 ? null : present.Max()];
            return Print([w.Key.Item1, Micros(w.Key.Item2), Micros(w.Key.Item2 + 10_000_000), (long)ordered.Count, .. sum, .. minMax,
                ordered[0].V, ordered[^1].V]);
        }).Order(StringComparer.Ordinal).ToList();
    }

    // Processing time (current_timestamp(), the epoch's) gives every row of a batch one time: the batch's tumbling window is
    // assigned once and its rows folded by k as they are, the windows still holding exactly their rows, first and last in
    // row order; a batch of one time with a null among its times goes row by row.
    [Fact]
    public void TumblingWindowPartials_OfBatchesOfOneTimeEach_HoldEveryRowInRowOrder()
    {
        var binding = Bind(["k", "window(t, '10 seconds')"], ["count(*) AS n", "sum(v) AS s", "first(v) AS f", "last(v) AS l"]);
        var random = new Random(9);
        int[] seconds = [3, 3, 14, 7, -2, 14];
        var batches = seconds.Select((second, b) => Enumerable.Range(0, 200).Select(i => new object?[]
        {
            (long)random.Next(5),
            b == 5 && i == 100 ? null : DateTime.UnixEpoch.AddSeconds(second),
            random.Next(6) == 0 ? null : (long)random.Next(-50, 50),
        }).ToArray()).ToList();

        var writer = new AggregateExchangeWriter(binding);
        foreach (var batch in batches) writer.Add(Batch(Ddl, batch), new EpochContext(0, 0));
        var output = new StreamingAggregationOperator(binding, "update", null).Process([writer.Finish()!], new StatefulContext(0, null, null));

        var windows = new Dictionary<(long, long), List<long?>>();
        foreach (var row in batches.SelectMany(b => b))
        {
            if (row[1] is not DateTime time) continue;
            var seconds10 = (long)Math.Floor((time - DateTime.UnixEpoch).TotalSeconds / 10) * 10;
            var key = ((long)row[0]!, seconds10 * 1_000_000);
            if (!windows.TryGetValue(key, out var values)) windows[key] = values = [];
            values.Add((long?)row[2]);
        }
        var expected = windows.Select(w =>
        {
            var present = w.Value.Where(v => v is not null).Select(v => v!.Value).ToList();
            return Print([w.Key.Item1, Micros(w.Key.Item2), Micros(w.Key.Item2 + 10_000_000), (long)w.Value.Count,
                present.Count == 0 ? null : present.Sum(), w.Value[0], w.Value[^1]]);
        }).Order(StringComparer.Ordinal).ToList();
        var actual = Rows(output).Select(r => Print([r[0], .. (object?[])r[1]!, .. r[2..]])).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, actual);
        Assert.Equal(15, expected.Count);
    }

    // q12's shape: every row of an epoch has the epoch's processing time, so the epoch's partials are its one window's, taken
    // as they are under the window's bounds; an epoch whose batches fall in two windows merges them by the full key. Over
    // epochs with keys repeated, new, null and in the same window again, the state's windows hold exactly their rows, and
    // every array the partials rented goes back once.
    [Fact]
    public void TumblingWindowPartials_OfEpochsOfOneTimeEach_HoldEveryRowInRowOrder_AndGoBackToTheirOwner()
    {
        var binding = Bind(["k", "window(t, '10 seconds')"], ["count(*) AS n", "sum(v) AS s", "first(v) AS f", "last(v) AS l"]);
        var random = new Random(23);
        var pool = new ArrowBufferPool();
        var writer = new AggregateExchangeWriter(binding);
        var state = new StreamingAggregationOperator(binding, "update", null);
        var windows = new Dictionary<(long?, long), List<long?>>();
        // Seconds of each epoch's batches: one time per epoch (two windows in epoch 3, one in the others; 0 and 4 share one).
        int[][] epochs = [[3, 3, 3], [14, 14], [5], [21, 21, 37], [7, 7]];
        var actual = new Dictionary<string, string>();
        for (var epoch = 0; epoch < epochs.Length; epoch++)
        {
            var owner = new BatchBuffers(pool);
            foreach (var second in epochs[epoch])
            {
                var rows = Enumerable.Range(0, 1 + random.Next(3_000)).Select(i => new object?[]
                {
                    random.Next(20) == 0 ? null : (long)(1_000 * epoch + random.Next(600)),
                    DateTime.UnixEpoch.AddSeconds(second),
                    random.Next(6) == 0 ? null : (long)random.Next(-50, 50),
                }).ToArray();
                writer.Add(Batch(Ddl, rows), new EpochContext(epoch, 0) { Buffers = owner });
                foreach (var row in rows)
                {
                    var key = ((long?)row[0], second / 10 * 10_000_000L);
                    if (!windows.TryGetValue(key, out var values)) windows[key] = values = [];
                    values.Add((long?)row[2]);
                }
            }
            var partials = writer.Finish()!;
            Assert.Same(owner, BatchBuffers.Of(partials));
            var output = state.Process([ThroughIpc(partials)], new StatefulContext(epoch, null, null));
            foreach (var r in Rows(output)) actual[Print([r[0], .. (object?[])r[1]!])] = Print([r[0], .. (object?[])r[1]!, .. r[2..]]);
            Assert.True(owner.ReleaseRented());
            Assert.Equal(pool.Rented, pool.Returned);
        }
        var expected = windows.Select(w =>
        {
            var present = w.Value.Where(v => v is not null).Select(v => v!.Value).ToList();
            return Print([w.Key.Item1, Micros(w.Key.Item2), Micros(w.Key.Item2 + 10_000_000), (long)w.Value.Count,
                present.Count == 0 ? null : present.Sum(), w.Value[0], w.Value[^1]]);
        }).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, actual.Values.Order(StringComparer.Ordinal).ToList());
    }

    // The partial rows of an epoch are rented from the epoch's owner of computed columns (the source task's), which the task
    // releases once they are shipped: they must hold what unrented ones hold, epoch after epoch as the pool hands the same
    // arrays out again, and every array rented goes back once. Distinct keys pass rows on unfolded (their partials and the
    // concatenation rented too); sliding windows fold through panes, tumbling ones a window at a time. The exchange's split
    // of the batch into partitions rents from the same owner.
    [Theory]
    [InlineData("k")]
    [InlineData("k|window(t, '10 seconds', '2 seconds')")]
    [InlineData("k|window(t, '10 seconds')")]
    public void PartialsRentedFromTheEpochsOwner_HoldTheUnrentedValues_AndEveryArrayGoesBackOnce(string grouping)
    {
        var binding = Bind(grouping.Split('|'), ["count(*) AS n", "sum(v) AS s", "min(v) AS lo"]);
        var pool = new ArrowBufferPool();
        var rented = new AggregateExchangeWriter(binding);
        var plain = new AggregateExchangeWriter(binding);
        var random = new Random(11);
        for (var epoch = 0; epoch < 3; epoch++)
        {
            var owner = new BatchBuffers(pool);
            for (var b = 0; b < 4; b++)
            {
                var rows = Enumerable.Range(0, 6_000).Select(i => new object?[]
                {
                    (long)(epoch * 100_000 + b * 10_000 + i),
                    DateTime.UnixEpoch.AddMilliseconds(epoch * 20_000 + random.Next(20_000)),
                    random.Next(6) == 0 ? null : (long)random.Next(-50, 50),
                }).ToArray();
                rented.Add(Batch(Ddl, rows), new EpochContext(epoch, 0) { Buffers = owner });
                plain.Add(Batch(Ddl, rows), new EpochContext(epoch, 0));
            }
            var expectedBatch = plain.Finish()!;
            var actualBatch = rented.Finish()!;
            Assert.Equal(Rows(expectedBatch).Select(Print), Rows(actualBatch).Select(Print));
            Assert.True(pool.Rented > pool.Returned, "the partials are rented");
            Assert.Same(owner, BatchBuffers.Of(actualBatch));
            // The exchange splits the batch into parts of their own in the pool, which the partitions release.
            var expectedParts = KeyGroupPartitioner.Split(expectedBatch, plain.RoutingColumns, 128, 3);
            var actualParts = KeyGroupPartitioner.SplitOwned(actualBatch, rented.RoutingColumns, 128, 3, pool);
            for (var p = 0; p < 3; p++) Assert.Equal(Rows(expectedParts[p]!).Select(Print), Rows(actualParts[p]!).Select(Print));
            Assert.True(owner.ReleaseRented());
            Assert.All(actualParts, part => Assert.True(BatchBuffers.Release(part!)));
            Assert.Equal(pool.Rented, pool.Returned);
        }
    }

    // Grouped by k and the time key; without aggregates named, count, sum, min and max of v.
    private static AggregateBinding Bind(string timeKey, params string[] aggregates) => Bind(["k", timeKey], aggregates);

    private static AggregateBinding Bind(string[] groupingColumns, string[] aggregates)
    {
        var grouping = groupingColumns.Select(SqlExpressionParser.ParseNamed).ToList();
        if (aggregates.Length == 0) aggregates = ["count(*) AS n", "sum(v) AS s", "min(v) AS lo", "max(v) AS hi"];
        var outputs = grouping.Concat(aggregates.Select(SqlExpressionParser.ParseNamed)).ToList();
        var node = new Aggregate(new SourceRelation("0", "memory", new Dictionary<string, string>(), null, true), grouping, outputs);
        return AggregateBinding.Bind(node, Schema(Ddl));
    }

    // Keys with nulls, times over negative and positive seconds with nulls, values with nulls.
    private static object?[] RandomRow(Random random) =>
    [
        random.Next(8) == 0 ? null : (long)random.Next(4),
        random.Next(10) == 0 ? null : DateTime.UnixEpoch.AddMilliseconds(random.Next(-20_000, 40_000)),
        random.Next(6) == 0 ? null : (long)random.Next(-50, 50),
    ];

    // Spark's TimeWindowing, a row at a time: the windows [s, s + size) with s = lastStart - i * slide that contain t.
    private static List<string> Expected(IEnumerable<object?[]> rows, long size, long slide, long start)
    {
        var windows = new Dictionary<(long?, long), (long N, long? S, long? Lo, long? Hi)>();
        foreach (var row in rows)
        {
            if (row[1] is not DateTime time) continue;
            var t = (time - DateTime.UnixEpoch).Ticks / 10;
            var lastStart = t - (((t - start) % slide) + slide) % slide;
            for (var s = lastStart; s > t - size; s -= slide)
            {
                var key = ((long?)row[0], s);
                var (n, sum, lo, hi) = windows.GetValueOrDefault(key);
                var v = (long?)row[2];
                windows[key] = (n + 1, v is null ? sum : (sum ?? 0) + v, v is null ? lo : Math.Min(lo ?? v.Value, v.Value), v is null ? hi : Math.Max(hi ?? v.Value, v.Value));
            }
        }
        return windows.Select(w => Print([w.Key.Item1, Micros(w.Key.Item2), Micros(w.Key.Item2 + size), w.Value.N, w.Value.S, w.Value.Lo, w.Value.Hi]))
            .Order(StringComparer.Ordinal).ToList();
    }

    private static DateTime Micros(long micros) => DateTime.UnixEpoch.AddTicks(micros * 10);
}
