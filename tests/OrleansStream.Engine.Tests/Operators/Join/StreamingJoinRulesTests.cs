using OrleansStream.Engine.Planning.Physical;
using static OrleansStream.Engine.Tests.Operators.Join.JoinStreams;
using static OrleansStream.Engine.Tests.Operators.Join.JoinTestData;

namespace OrleansStream.Engine.Tests.Operators.Join;

/// <summary>Spark's refusals for joins over streams (UnsupportedOperationsSuite's join cases), in Spark's words.</summary>
public class StreamingJoinRulesTests
{
    private const JoinInputKind S = JoinInputKind.Stream;
    private const JoinInputKind B = JoinInputKind.Static;
    private const string NeedsWatermark =
        "is not supported without a watermark in the join keys, or a watermark on the nullable side and an appropriate range condition";

    private static void Check(JoinType type, JoinInputKind left, JoinInputKind right, string? condition = null, int? leftTime = 1, int? rightTime = 1,
        int[]? keys = null)
    {
        var sample = Timed(1, (1, 1));
        Spec(type, sample, sample, keys ?? [0], keys ?? [0], condition, left, right, leftTime, rightTime).CheckStreaming();
    }

    private static string Refused(JoinType type, JoinInputKind left, JoinInputKind right, string? condition = null, int? leftTime = 1, int? rightTime = 1) =>
        Assert.Throws<AnalysisException>(() => Check(type, left, right, condition, leftTime, rightTime)).Message;

    [Fact]
    public void Outer_and_semi_stream_stream_joins_need_a_watermark_key_or_a_range_condition()
    {
        foreach (var type in new[] { JoinType.LeftOuter, JoinType.RightOuter, JoinType.FullOuter, JoinType.LeftSemi })
        {
            var message = Refused(type, S, S);
            Assert.Equal($"Stream-stream {type} join between two streaming DataFrame/Datasets {NeedsWatermark}", message);
            // The event time among the join keys evicts by key.
            Check(type, S, S, keys: [1]);
        }
        // Left outer: the left (nullable-side state) time must be bounded below by the right watermark.
        Check(JoinType.LeftOuter, S, S, "CAST(__l1 AS LONG) > CAST(__r1 AS LONG) + 10");
        Assert.Contains(NeedsWatermark, Refused(JoinType.LeftOuter, S, S, "CAST(__l1 AS LONG) < CAST(__r1 AS LONG) + 10"));
        // Right outer: the mirror image.
        Check(JoinType.RightOuter, S, S, "CAST(__r1 AS LONG) > CAST(__l1 AS LONG) + 10");
        Assert.Contains(NeedsWatermark, Refused(JoinType.RightOuter, S, S, "CAST(__l1 AS LONG) > CAST(__r1 AS LONG) + 10"));
        // Full outer needs both bounds; a two-sided range gives both.
        Check(JoinType.FullOuter, S, S, "CAST(__l1 AS LONG) BETWEEN CAST(__r1 AS LONG) - 5 AND CAST(__r1 AS LONG) + 5");
        Assert.Contains(NeedsWatermark, Refused(JoinType.FullOuter, S, S, "CAST(__l1 AS LONG) > CAST(__r1 AS LONG) + 10"));
        // Without a watermark on the other side there is nothing to solve with.
        Assert.Contains(NeedsWatermark, Refused(JoinType.LeftOuter, S, S, "CAST(__l1 AS LONG) > CAST(__r1 AS LONG) + 10", rightTime: null));
        // Inner and cross joins always run (state kept forever without a watermark).
        Check(JoinType.Inner, S, S, leftTime: null, rightTime: null);
        Check(JoinType.Cross, S, S, leftTime: null, rightTime: null, keys: []);
    }

    [Fact]
    public void Stream_static_joins_keep_the_stream_on_the_preserved_side()
    {
        Assert.Equal("LeftAnti joins with a streaming DataFrame/Dataset on the right are not supported", Refused(JoinType.LeftAnti, S, S));
        Assert.Equal("LeftAnti joins with a streaming DataFrame/Dataset on the right are not supported", Refused(JoinType.LeftAnti, B, S));
        Check(JoinType.LeftAnti, S, B);
        Assert.Equal("LeftOuter join with a streaming DataFrame/Dataset on the right and a static DataFrame/Dataset on the left is not supported",
            Refused(JoinType.LeftOuter, B, S));
        Assert.Equal("LeftSemi join with a streaming DataFrame/Dataset on the right and a static DataFrame/Dataset on the left is not supported",
            Refused(JoinType.LeftSemi, B, S));
        Assert.Equal("RightOuter join with a streaming DataFrame/Dataset on the left and a static DataFrame/DataSet on the right not supported",
            Refused(JoinType.RightOuter, S, B));
        Assert.Equal("FullOuter joins with streaming DataFrames/Datasets on the left and a static DataFrame/Dataset on the right is not supported",
            Refused(JoinType.FullOuter, S, B));
        Assert.Equal("FullOuter joins with streaming DataFrames/Datasets on the right and a static DataFrame/Dataset on the left is not supported",
            Refused(JoinType.FullOuter, B, S));
        Check(JoinType.LeftOuter, S, B);
        Check(JoinType.RightOuter, B, S);
        Check(JoinType.Inner, B, S);
        Check(JoinType.FullOuter, B, B);
    }
}
