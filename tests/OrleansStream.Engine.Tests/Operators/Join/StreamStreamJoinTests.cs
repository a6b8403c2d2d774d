using OrleansStream.Engine.Planning.Physical;
using static OrleansStream.Engine.Tests.Operators.Join.JoinStreams;
using static OrleansStream.Engine.Tests.Operators.Join.JoinTestData;

namespace OrleansStream.Engine.Tests.Operators.Join;

/// <summary>Stream-stream joins, the scenarios of Spark's StreamingJoinSuite (inner) and StreamingOuterJoinSuite ported to
/// the operator: expected rows and state row counts are Spark's.</summary>
public class StreamStreamJoinTests
{
    private const JoinInputKind S = JoinInputKind.Stream;

    private static JoinHarness Windowed(JoinType type, string? condition = null, bool rightWatermark = true)
    {
        var sample = JoinStreams.Windowed(1, 1);
        var spec = Spec(type, sample, sample, [0, 1], [0, 1], condition, S, S, 1, rightWatermark ? 1 : null);
        return new JoinHarness(spec, (JoinHarness.SecondsColumn(0), 10), rightWatermark ? (JoinHarness.SecondsColumn(0), 10) : null);
    }

    private static JoinHarness Ranged(JoinType type, string condition, long delaySeconds = 10)
    {
        var sample = Timed(1, (1, 1));
        var spec = Spec(type, sample, sample, [0], [0], condition, S, S, 1, 1);
        return new JoinHarness(spec, (JoinHarness.TimestampColumn(1), delaySeconds), (JoinHarness.TimestampColumn(1), delaySeconds));
    }

    [Fact]
    public void Inner_join_on_non_time_column_keeps_state_forever_and_across_restarts()
    {
        var sample = Keyed(1, 1);
        var h = new JoinHarness(Spec(JoinType.Inner, sample, sample, [0], [0], null, S, S), null, null);
        Assert.Empty(h.AddData(left: Keyed(2, 1)));
        Assert.Equal(["1,1,2,1,1,3"], h.AddData(right: Keyed(3, 1, 10)));
        Assert.Equal(["10,10,20,10,10,30"], h.AddData(left: Keyed(2, 10)));
        Assert.Equal(["1,1,2,1,1,3"], h.AddData(right: Keyed(3, 1)));
        h.Restart();
        Assert.Equal(["1,1,2,1,1,3", "1,1,2,1,1,3"], h.AddData(left: Keyed(2, 1)));
        h.Restart();
        Assert.Empty(h.AddData(left: Keyed(2, 100)));
        Assert.Equal(["100,100,200,100,100,300"], h.AddData(right: Keyed(3, 100)));
    }

    [Fact]
    public void Inner_join_on_windows_without_watermark_filters_nothing()
    {
        var sample = JoinStreams.Windowed(1, 1);
        var h = new JoinHarness(Spec(JoinType.Inner, sample, sample, [0, 1], [0, 1], null, S, S), null, null);
        Assert.Empty(h.AddData(left: JoinStreams.Windowed(2, 1)));
        Assert.Equal(["1,[0,10],2,1,[0,10],3"], h.AddData(right: JoinStreams.Windowed(3, 1)));
        h.Restart();
        Assert.Empty(h.AddData(left: JoinStreams.Windowed(2, 25)));
        h.Restart();
        Assert.Equal(["25,[20,30],50,25,[20,30],75"], h.AddData(right: JoinStreams.Windowed(3, 25)));
        Assert.Equal(["1,[0,10],2,1,[0,10],3"], h.AddData(left: JoinStreams.Windowed(2, 1)));
        h.Restart();
        Assert.Empty(h.AddData(left: JoinStreams.Windowed(2, 5)));
        Assert.Equal(["5,[0,10],10,5,[0,10],15"], h.AddData(right: JoinStreams.Windowed(3, 5)));
    }

    [Fact]
    public void Inner_join_on_windows_with_watermark_evicts_by_key_and_drops_late_rows()
    {
        var h = Windowed(JoinType.Inner, rightWatermark: false);
        Assert.Empty(h.AddData(left: JoinStreams.Windowed(2, 1)));
        h.AssertState(total: 1, updated: 1);
        Assert.Equal(["1,[0,10],2,1,[0,10],3"], h.AddData(right: JoinStreams.Windowed(3, 1)));
        h.AssertState(total: 2, updated: 1);
        h.Restart();
        Assert.Empty(h.AddData(left: JoinStreams.Windowed(2, 25)));   // watermark 15: the no-data epoch evicts window [0,10]
        Assert.Equal(2, h.Removed);
        h.AssertState(total: 1, updated: 1);
        Assert.Equal(["25,[20,30],50,25,[20,30],75"], h.AddData(right: JoinStreams.Windowed(3, 25)));
        h.AssertState(total: 2, updated: 1);
        h.Restart();
        Assert.Empty(h.AddData(right: JoinStreams.Windowed(3, 1)));   // evicted already, and not buffered (key below 15)
        h.AssertState(total: 2, updated: 0);
        Assert.Empty(h.AddData(left: JoinStreams.Windowed(2, 5)));    // late on the watermarked side
        h.AssertState(total: 2, updated: 0, droppedByWatermark: 1);
    }

    [Fact]
    public void Inner_join_with_one_sided_time_range_evicts_the_bounded_side_by_value()
    {
        // leftTime < rightTime - interval 5 seconds, with 10-second watermarks on both sides.
        var h = Ranged(JoinType.Inner, "__l0 = __r0 AND CAST(__l1 AS LONG) < CAST(__r1 AS LONG) - 5");
        Assert.Empty(h.AddData(left: Timed(2, (1, 5))));
        Assert.Equal(["1,5,2,1,11,3"], h.AddData(right: Timed(3, (1, 11))));
        Assert.Empty(h.AddData(right: Timed(3, (1, 10))));
        h.AssertState(total: 3, updated: 3);
        Assert.Equal(["1,3,2,1,10,3", "1,3,2,1,11,3"], h.AddData(left: Timed(2, (1, 3), (1, 30))));
        h.AssertState(total: 5, updated: 2);
        Assert.Empty(h.AddData(right: Timed(3, (0, 30))));
        // Watermark 20: the right state watermark is 20 + 5 = 25, so right rows at 10 and 11 go; the left side is unbounded.
        h.AssertState(total: 4, updated: 1);
        Assert.Equal(["1,3,2,1,21,3", "1,3,2,1,28,3", "1,5,2,1,21,3", "1,5,2,1,28,3"],
            h.AddData(right: Timed(3, (1, 20), (1, 21), (1, 28))));
        h.AssertState(total: 5, updated: 1, droppedByWatermark: 1);
        Assert.Equal(["1,21,2,1,28,3"], h.AddData(left: Timed(2, (1, 20), (1, 21))));
        h.AssertState(total: 6, updated: 1, droppedByWatermark: 1);
    }

    [Fact]
    public void Windowed_left_and_right_outer_joins_emit_null_padded_rows_when_the_watermark_passes()
    {
        var left = Windowed(JoinType.LeftOuter);
        Assert.Equal(["3,[0,10],6,3,[0,10],9", "4,[0,10],8,4,[0,10],12", "5,[0,10],10,5,[0,10],15"],
            left.AddData(JoinStreams.Windowed(2, 1, 2, 3, 4, 5), JoinStreams.Windowed(3, 3, 4, 5, 6, 7)));
        Assert.Equal(["1,[0,10],2,null,null,null", "2,[0,10],4,null,null,null"],
            left.AddData(JoinStreams.Windowed(2, 21), JoinStreams.Windowed(3, 22)));   // watermark 11
        left.AssertState(total: 2, updated: 12);
        Assert.Equal(["22,[20,30],44,22,[20,30],66"], left.AddData(left: JoinStreams.Windowed(2, 22)));
        left.AssertState(total: 3, updated: 1);

        var right = Windowed(JoinType.RightOuter);
        Assert.Equal(["3,[0,10],6,3,[0,10],9", "4,[0,10],8,4,[0,10],12", "5,[0,10],10,5,[0,10],15"],
            right.AddData(JoinStreams.Windowed(2, 1, 2, 3, 4, 5), JoinStreams.Windowed(3, 3, 4, 5, 6, 7)));
        Assert.Equal(["null,null,null,6,[0,10],18", "null,null,null,7,[0,10],21"],
            right.AddData(JoinStreams.Windowed(2, 21), JoinStreams.Windowed(3, 22)));
        right.AssertState(total: 2, updated: 12);
    }

    [Fact]
    public void Left_outer_early_state_exclusion_emits_rows_failing_the_left_only_condition_at_once()
    {
        var h = Windowed(JoinType.LeftOuter, "__l2 > 4");
        Assert.Equal(["1,[0,10],2,null,null,null", "2,[0,10],4,null,null,null", "3,[0,10],6,3,[0,10],9"],
            h.AddData(JoinStreams.Windowed(2, 1, 2, 3), JoinStreams.Windowed(3, 3, 4, 5)));
        h.AssertState(total: 4, updated: 4);
        Assert.Empty(h.AddData(JoinStreams.Windowed(2, 20), JoinStreams.Windowed(3, 21)));
        Assert.Equal(["20,[20,30],40,20,[20,30],60"], h.AddData(right: JoinStreams.Windowed(3, 20)));
    }

    [Fact]
    public void Left_outer_early_state_exclusion_on_the_right_pads_left_rows_when_the_watermark_passes()
    {
        var h = Windowed(JoinType.LeftOuter, "__r2 > 7");
        Assert.Equal(["3,[0,10],6,3,[0,10],9"], h.AddData(JoinStreams.Windowed(2, 3, 4, 5), JoinStreams.Windowed(3, 1, 2, 3)));
        h.AssertState(total: 4, updated: 4);
        Assert.Equal(["4,[0,10],8,null,null,null", "5,[0,10],10,null,null,null"],
            h.AddData(JoinStreams.Windowed(2, 20), JoinStreams.Windowed(3, 21)));
        Assert.Equal(["20,[20,30],40,20,[20,30],60"], h.AddData(right: JoinStreams.Windowed(3, 20)));
    }

    [Theory]
    [InlineData(JoinType.LeftOuter, "3,5,6,null,null,null")]
    [InlineData(JoinType.RightOuter, "null,null,null,2,5,6")]
    public void Outer_join_with_watermark_range_condition_pads_rows_evicted_by_the_state_watermark(JoinType type, string outer)
    {
        // leftTime BETWEEN rightTime - interval 5 seconds AND rightTime + interval 5 seconds.
        var h = Ranged(type, "__l0 = __r0 AND CAST(__l1 AS LONG) >= CAST(__r1 AS LONG) - 5 AND CAST(__l1 AS LONG) <= CAST(__r1 AS LONG) + 5");
        Assert.Empty(h.AddData(left: Timed(2, (1, 5), (3, 5))));
        Assert.Equal(["1,5,2,1,10,3"], h.AddData(right: Timed(3, (1, 10), (2, 5))));
        Assert.Empty(h.AddData(right: Timed(3, (1, 11))));
        h.AssertState(total: 5, updated: 5);
        Assert.Equal(["1,7,2,1,10,3", "1,7,2,1,11,3"], h.AddData(left: Timed(2, (1, 7), (1, 30))));
        h.AssertState(total: 7, updated: 2);
        Assert.Equal([outer], h.AddData(right: Timed(3, (0, 30))));   // watermark 20
        h.AssertState(total: 2, updated: 1);
    }

    [Fact]
    public void Self_left_outer_join_does_not_pad_rows_that_matched_earlier()
    {
        // SPARK-26187: leftId = rightId AND rightTime >= leftTime AND rightTime <= leftTime + interval 5 seconds, 5-second watermarks.
        var h = Ranged(JoinType.LeftOuter, "__l0 = __r0 AND CAST(__r1 AS LONG) >= CAST(__l1 AS LONG) AND CAST(__r1 AS LONG) <= CAST(__l1 AS LONG) + 5", 5);
        RecordBatchPair Input(params int[] ids) => new(Timed(1, ids.Select(i => (i, i)).ToArray()), Timed(1, ids.Where(i => i % 2 == 0).Select(i => (i, i)).ToArray()));
        var b1 = Input(1, 2, 3, 4, 5);
        Assert.Equal(["2,2,2,2,2,2", "4,4,4,4,4,4"], h.AddData(b1.Left, b1.Right));
        h.AssertState(total: 7, updated: 7);
        var b2 = Input(6, 7, 8, 9, 10);
        Assert.Equal(Sorted("10,10,10,10,10,10", "6,6,6,6,6,6", "8,8,8,8,8,8"),
            h.AddData(b2.Left, b2.Right));
        h.AssertState(total: 13, updated: 8);
        var b3 = Input(11, 12, 13, 14, 15);
        Assert.Equal(Sorted("12,12,12,12,12,12", "14,14,14,14,14,14", "1,1,1,null,null,null", "3,3,3,null,null,null"), h.AddData(b3.Left, b3.Right));
        h.AssertState(total: 15, updated: 7);
    }

    [Fact]
    public void Windowed_full_outer_join_pads_both_sides_and_restores_after_restart()
    {
        var h = Windowed(JoinType.FullOuter);
        Assert.Equal(["3,[0,10],6,3,[0,10],9", "4,[0,10],8,4,[0,10],12", "5,[0,10],10,5,[0,10],15"],
            h.AddData(JoinStreams.Windowed(2, 1, 2, 3, 4, 5), JoinStreams.Windowed(3, 3, 4, 5, 6, 7)));
        h.AssertState(total: 10, updated: 10);
        Assert.Equal(Sorted("1,[0,10],2,null,null,null", "2,[0,10],4,null,null,null", "null,null,null,6,[0,10],18", "null,null,null,7,[0,10],21"),
            h.AddData(JoinStreams.Windowed(2, 21), JoinStreams.Windowed(3, 22)));   // watermark 11
        h.AssertState(total: 2, updated: 2);
        Assert.Equal(["22,[20,30],44,22,[20,30],66"], h.AddData(left: JoinStreams.Windowed(2, 22)));
        h.AssertState(total: 3, updated: 1);
        h.Restart();
        Assert.Empty(h.AddData(left: JoinStreams.Windowed(2, 1)));
        h.AssertState(total: 3, updated: 0, droppedByWatermark: 1);
        Assert.Empty(h.AddData(right: JoinStreams.Windowed(3, 5)));
        h.AssertState(total: 3, updated: 0, droppedByWatermark: 1);
    }

    [Fact]
    public void Full_outer_join_with_watermark_range_condition()
    {
        var h = Ranged(JoinType.FullOuter, "__l0 = __r0 AND CAST(__l1 AS LONG) >= CAST(__r1 AS LONG) - 5 AND CAST(__l1 AS LONG) <= CAST(__r1 AS LONG) + 5");
        Assert.Empty(h.AddData(left: Timed(2, (1, 5), (3, 5))));
        h.AssertState(total: 2, updated: 2);
        Assert.Equal(["1,5,2,1,10,3"], h.AddData(right: Timed(3, (1, 10), (2, 5))));
        h.AssertState(total: 4, updated: 2);
        Assert.Equal(["1,5,2,1,9,3"], h.AddData(right: Timed(3, (1, 9))));
        h.AssertState(total: 5, updated: 1);
        Assert.Equal(["1,7,2,1,10,3", "1,7,2,1,9,3"], h.AddData(left: Timed(2, (1, 7), (1, 30))));
        h.AssertState(total: 7, updated: 2);
        Assert.Equal(Sorted("3,5,6,null,null,null", "null,null,null,2,5,6"), h.AddData(right: Timed(3, (0, 30))));
        h.AssertState(total: 2, updated: 1);
    }

    [Fact]
    public void Windowed_left_semi_join_outputs_a_left_row_once_and_never_buffers_matched_input()
    {
        var h = Windowed(JoinType.LeftSemi);
        Assert.Equal(["3,[0,10],6", "4,[0,10],8", "5,[0,10],10"],
            h.AddData(JoinStreams.Windowed(2, 1, 2, 3, 4, 5), JoinStreams.Windowed(3, 3, 4, 5, 6, 7)));
        h.AssertState(total: 10, updated: 10);
        Assert.Empty(h.AddData(JoinStreams.Windowed(2, 21), JoinStreams.Windowed(3, 22)));
        h.AssertState(total: 2, updated: 2);
        Assert.Equal(["22,[20,30],44"], h.AddData(left: JoinStreams.Windowed(2, 22)));
        h.AssertState(total: 2, updated: 0);
        h.Restart();
        Assert.Empty(h.AddData(left: JoinStreams.Windowed(2, 1)));
        h.AssertState(total: 2, updated: 0, droppedByWatermark: 1);
        Assert.Empty(h.AddData(right: JoinStreams.Windowed(3, 5)));
        h.AssertState(total: 2, updated: 0, droppedByWatermark: 1);
    }

    [Fact]
    public void Left_semi_join_with_watermark_range_condition_skips_left_rows_already_matched()
    {
        var h = Ranged(JoinType.LeftSemi, "__l0 = __r0 AND CAST(__l1 AS LONG) >= CAST(__r1 AS LONG) - 5 AND CAST(__l1 AS LONG) <= CAST(__r1 AS LONG) + 5");
        Assert.Empty(h.AddData(left: Timed(2, (1, 5), (3, 5))));
        h.AssertState(total: 2, updated: 2);
        Assert.Equal(["1,5,2"], h.AddData(right: Timed(3, (1, 10), (2, 5))));
        h.AssertState(total: 4, updated: 2);
        h.Restart();   // the matched flag survives in the delta chain
        Assert.Empty(h.AddData(right: Timed(3, (1, 9))));
        h.AssertState(total: 5, updated: 1);
        Assert.Equal(["1,7,2"], h.AddData(left: Timed(2, (1, 7), (1, 30))));
        h.AssertState(total: 6, updated: 1);
        Assert.Empty(h.AddData(right: Timed(3, (0, 30))));
        h.AssertState(total: 2, updated: 1);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Null_keys_match_only_null_safely(bool nullSafe)
    {
        // StreamingInnerJoinSuite "joining nullable left join key with nullable right join key" (leftKey <=> rightKey).
        static Apache.Arrow.RecordBatch Side(int multiplier, params int?[] keys) =>
            Expressions.TestData.Batch(("key", Expressions.TestData.Ints(keys)), ("value", Expressions.TestData.Ints(keys.Select(k => k * multiplier).ToArray())));
        var sample = Side(1, 1);
        var h = new JoinHarness(Spec(JoinType.Inner, sample, sample, [0], [0], null, S, S, nullSafe: [nullSafe]), null, null);
        Assert.Empty(h.AddData(left: Side(2, 1, 5, 10, null)));
        var expected = nullSafe ? Sorted("1,2,1,3", "5,10,5,15", "null,null,null,null") : Sorted("1,2,1,3", "5,10,5,15");
        Assert.Equal(expected, h.AddData(right: Side(3, 1, 5, null)));
    }

    [Fact]
    public void Left_outer_pads_a_null_key_row_when_the_watermark_evicts_it()
    {
        var h = Ranged(JoinType.LeftOuter, "__l0 = __r0 AND CAST(__l1 AS LONG) >= CAST(__r1 AS LONG) - 5 AND CAST(__l1 AS LONG) <= CAST(__r1 AS LONG) + 5");
        var left = Expressions.TestData.Batch(("key", Expressions.TestData.Ints(null, 1)), ("time", Expressions.TestData.Timestamps(Sec(5), Sec(5))),
            ("value", Expressions.TestData.Ints(7, 2)));
        var right = Expressions.TestData.Batch(("key", Expressions.TestData.Ints(null, 1)), ("time", Expressions.TestData.Timestamps(Sec(6), Sec(6))),
            ("value", Expressions.TestData.Ints(8, 3)));
        Assert.Empty(h.AddData(left: left));
        Assert.Equal(["1,5,2,1,6,3"], h.AddData(right: right));
        Assert.Equal(["9,40,18,9,40,27", "null,5,7,null,null,null"], h.AddData(Timed(2, (9, 40)), Timed(3, (9, 40))));   // watermark 30
    }

    [Fact]
    public void Cross_join_of_two_streams_pairs_rows_through_the_condition()
    {
        var sample = Keyed(1, 1);
        var h = new JoinHarness(Spec(JoinType.Cross, sample, sample, [], [], "__l0 < __r0", S, S), null, null);
        Assert.Empty(h.AddData(left: Keyed(2, 1, 5)));
        Assert.Equal(Sorted("1,1,2,3,3,9", "1,1,2,7,7,21", "5,5,10,7,7,21"), h.AddData(right: Keyed(3, 3, 7)));
        Assert.Equal(["4,4,8,7,7,21"], h.AddData(left: Keyed(2, 4, 9)));
    }

    [Fact]
    public void Full_outer_and_left_semi_early_state_exclusion_on_left()
    {
        var full = Windowed(JoinType.FullOuter, "__l2 > 4");
        Assert.Equal(Sorted("1,[0,10],2,null,null,null", "2,[0,10],4,null,null,null", "3,[0,10],6,3,[0,10],9"),
            full.AddData(JoinStreams.Windowed(2, 1, 2, 3), JoinStreams.Windowed(3, 3, 4, 5)));
        full.AssertState(total: 4, updated: 4);
        Assert.Equal(Sorted("null,null,null,4,[0,10],12", "null,null,null,5,[0,10],15"),
            full.AddData(JoinStreams.Windowed(2, 20), JoinStreams.Windowed(3, 21)));
        full.AssertState(total: 2, updated: 2);
        Assert.Equal(["20,[20,30],40,20,[20,30],60"], full.AddData(right: JoinStreams.Windowed(3, 20)));
        full.AssertState(total: 3, updated: 1);

        var semi = Windowed(JoinType.LeftSemi, "__l2 > 4");
        Assert.Equal(["3,[0,10],6"], semi.AddData(JoinStreams.Windowed(2, 1, 2, 3), JoinStreams.Windowed(3, 3, 4, 5)));
        semi.AssertState(total: 4, updated: 4);
        Assert.Empty(semi.AddData(JoinStreams.Windowed(2, 20), JoinStreams.Windowed(3, 21)));
        semi.AssertState(total: 2, updated: 2);
        Assert.Equal(["20,[20,30],40"], semi.AddData(right: JoinStreams.Windowed(3, 20)));
        semi.AssertState(total: 3, updated: 1);
    }

    private readonly record struct RecordBatchPair(Apache.Arrow.RecordBatch Left, Apache.Arrow.RecordBatch Right);
}
