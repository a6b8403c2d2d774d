using OrleansStream.Engine.Planning.Physical;
using static OrleansStream.Engine.Tests.Expressions.TestData;
using static OrleansStream.Engine.Tests.Operators.Join.JoinTestData;

namespace OrleansStream.Engine.Tests.Operators.Join;

/// <summary>Stream-static joins: the static side arrives in full every epoch and is never state; stream rows probe it.</summary>
public class StreamStaticJoinTests
{
    private static readonly Apache.Arrow.RecordBatch Static = Batch(("id", Ints(1, 2, 3)), ("name", Strs("x", "y", "z")));

    private static Apache.Arrow.RecordBatch Events(params int?[] ids) => Batch(("id", Ints(ids)), ("n", Ints(ids.Select((_, i) => (int?)i).ToArray())));

    [Fact]
    public void Inner_join_reads_the_static_side_afresh_every_epoch_and_keeps_no_state()
    {
        var spec = Spec(JoinType.Inner, Events(1), Static, [0], [0], leftKind: JoinInputKind.Stream, rightKind: JoinInputKind.Static);
        var op = spec.CreateOperator("append");
        Assert.Equal(["1,0,1,x", "2,1,2,y"], Rows(Run(op, Events(1, 2, 9), Static, 0)));
        Assert.Equal(0, op.Metrics.NumRowsTotal);
        Assert.Equal(0, op.Delta().Length);
        // The next epoch: the static rows arrive again in full; earlier stream rows are not joined again.
        Assert.Equal(["3,0,3,z"], Rows(Run(op, Events(3), Static, 1)));
        // A static side that changed between epochs is read as it is now.
        var changed = Batch(("id", Ints(3)), ("name", Strs("zz")));
        Assert.Equal(["3,0,3,zz"], Rows(Run(op, Events(3, 1), changed, 2)));
        // An epoch without stream rows outputs nothing.
        Assert.Empty(Rows(Run(op, null, Static, 3)));
    }

    [Fact]
    public void Left_outer_semi_and_anti_with_the_stream_on_the_left_emit_unmatched_stream_rows_at_once()
    {
        Apache.Arrow.RecordBatch Run1(JoinType type) =>
            Run(Spec(type, Events(1), Static, [0], [0], leftKind: JoinInputKind.Stream, rightKind: JoinInputKind.Static).CreateOperator("append"),
                Events(1, 9, null), Static);
        Assert.Equal(Sorted("1,0,1,x", "9,1,null,null", "null,2,null,null"), Rows(Run1(JoinType.LeftOuter)));
        Assert.Equal(["1,0"], Rows(Run1(JoinType.LeftSemi)));
        Assert.Equal(Sorted("9,1", "null,2"), Rows(Run1(JoinType.LeftAnti)));
    }

    [Fact]
    public void Right_outer_with_the_stream_on_the_right_probes_the_static_left_side()
    {
        var spec = Spec(JoinType.RightOuter, Static, Events(1), [0], [0], leftKind: JoinInputKind.Static, rightKind: JoinInputKind.Stream);
        var op = spec.CreateOperator("append");
        Assert.Equal(Sorted("2,y,2,0", "null,null,7,1"), Rows(Run(op, Static, Events(2, 7))));
        Assert.Equal(["1,x,1,0"], Rows(Run(op, Static, Events(1))));
    }
}
