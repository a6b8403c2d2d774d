using OrleansStream.Engine.Planning.Physical;

namespace OrleansStream.Engine.Operators.Join;

/// <summary>
/// Spark's rules for joins over streams (UnsupportedOperationChecker's join cases and checkForStreamStreamJoinWatermark, with
/// StreamingJoinHelper), in Spark's words. Spark 3.5 / 4.0 read the same: inner and cross joins always run; a stream-static
/// outer join keeps the stream on the preserved side; full outer needs two streams; left anti is refused whenever the right
/// side is a stream; and an outer or semi join of two streams needs either the watermark in the join keys or a condition from
/// which the nullable side's state watermark follows.
/// </summary>
internal static class StreamingJoinRules
{
    /// <summary>Throws when <paramref name="spec"/> cannot run.</summary>
    public static void Check(JoinOperatorSpec spec)
    {
        var leftStream = spec.LeftKind == JoinInputKind.Stream;
        var rightStream = spec.RightKind == JoinInputKind.Stream;
        if (!leftStream && !rightStream) return;
        var type = spec.Type;
        switch (type)
        {
            case JoinType.Inner or JoinType.Cross:
                return;
            case JoinType.FullOuter:
                if (leftStream && !rightStream)
                    throw new AnalysisException("FullOuter joins with streaming DataFrames/Datasets on the left and a static DataFrame/Dataset on the right is not supported");
                if (!leftStream && rightStream)
                    throw new AnalysisException("FullOuter joins with streaming DataFrames/Datasets on the right and a static DataFrame/Dataset on the left is not supported");
                CheckWatermark(spec);
                return;
            case JoinType.LeftAnti:
                if (rightStream)
                    throw new AnalysisException("LeftAnti joins with a streaming DataFrame/Dataset on the right are not supported");
                return;
            case JoinType.LeftSemi or JoinType.LeftOuter:
                if (!leftStream && rightStream)
                    throw new AnalysisException($"{type.SparkName()} join with a streaming DataFrame/Dataset on the right and a static DataFrame/Dataset on the left is not supported");
                if (leftStream && rightStream) CheckWatermark(spec);
                return;
            case JoinType.RightOuter:
                if (leftStream && !rightStream)
                    throw new AnalysisException("RightOuter join with a streaming DataFrame/Dataset on the left and a static DataFrame/DataSet on the right not supported");
                if (leftStream && rightStream) CheckWatermark(spec);
                return;
        }
    }

    /// <summary>The key pair whose left or right column is that side's watermarked event time (left first, as Spark's
    /// findJoinKeyOrdinalForWatermark), or null.</summary>
    public static int? WatermarkKeyOrdinal(JoinOperatorSpec spec)
    {
        for (var k = 0; k < spec.LeftKeys.Count; k++) if (spec.LeftKeys[k] == spec.LeftEventTime) return k;
        for (var k = 0; k < spec.RightKeys.Count; k++) if (spec.RightKeys[k] == spec.RightEventTime) return k;
        return null;
    }

    // Spark asks getStateValueWatermark with an arbitrary watermark (1000000) whether the nullable side has one.
    private static void CheckWatermark(JoinOperatorSpec spec)
    {
        if (WatermarkKeyOrdinal(spec) is not null) return;
        const long probe = 1_000_000L * 1000;
        bool LeftHas() => StateValueWatermark.Of(spec.Condition, forLeft: true, spec.RightEventTime, probe) is not null;
        bool RightHas() => StateValueWatermark.Of(spec.Condition, forLeft: false, spec.LeftEventTime, probe) is not null;
        var valid = spec.Type switch
        {
            JoinType.LeftOuter or JoinType.LeftSemi => LeftHas(),
            JoinType.RightOuter => RightHas(),
            JoinType.FullOuter => LeftHas() && RightHas(),
            _ => true,
        };
        if (!valid)
            throw new AnalysisException(
                $"Stream-stream {spec.Type.SparkName()} join between two streaming DataFrame/Datasets is not supported without a watermark in the join keys, "
                + "or a watermark on the nullable side and an appropriate range condition");
    }
}
