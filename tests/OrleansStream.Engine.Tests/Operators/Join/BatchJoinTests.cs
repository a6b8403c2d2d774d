using Apache.Arrow;
using OrleansStream.Engine.Operators.Join;
using OrleansStream.Engine.Planning.Physical;
using static OrleansStream.Engine.Tests.Expressions.TestData;
using static OrleansStream.Engine.Tests.Operators.Join.JoinTestData;

namespace OrleansStream.Engine.Tests.Operators.Join;

/// <summary>Batch hash joins (both sides static): every join type, null keys, null-safe keys, residual conditions.</summary>
public class BatchJoinTests
{
    private static readonly RecordBatch Left = Batch(("id", Ints(1, 2, 3, null)), ("name", Strs("a", "b", "c", "d")));
    private static readonly RecordBatch Right = Batch(("id", Ints(1, 1, 3, 4, null)), ("v", Strs("x", "y", "z", "w", "n")));

    private static string[] Join(JoinType type, string? condition = null, bool nullSafe = false, int[]? keys = null)
    {
        keys ??= [0];
        var spec = Spec(type, Left, Right, keys, keys, condition, nullSafe: keys.Select(_ => nullSafe).ToArray());
        var op = spec.CreateOperator("append");
        var output = Run(op, Left, Right);
        Assert.Equal(spec.StateOutputSchema.FieldsList.Count, output.ColumnCount);
        return Rows(output);
    }

    [Fact]
    public void Inner_join_matches_equal_keys_and_null_keys_never_match()
    {
        Assert.Equal(Sorted("1,a,1,x", "1,a,1,y", "3,c,3,z"), Join(JoinType.Inner));
    }

    [Fact]
    public void Outer_joins_pad_unmatched_rows_with_nulls()
    {
        Assert.Equal(Sorted("1,a,1,x", "1,a,1,y", "3,c,3,z", "2,b,null,null", "null,d,null,null"), Join(JoinType.LeftOuter));
        Assert.Equal(Sorted("1,a,1,x", "1,a,1,y", "3,c,3,z", "null,null,4,w", "null,null,null,n"), Join(JoinType.RightOuter));
        Assert.Equal(Sorted("1,a,1,x", "1,a,1,y", "3,c,3,z", "2,b,null,null", "null,d,null,null", "null,null,4,w", "null,null,null,n"),
            Join(JoinType.FullOuter));
    }

    [Fact]
    public void Semi_and_anti_joins_output_left_rows_once()
    {
        Assert.Equal(Sorted("1,a", "3,c"), Join(JoinType.LeftSemi));
        Assert.Equal(Sorted("2,b", "null,d"), Join(JoinType.LeftAnti));
    }

    [Fact]
    public void Null_safe_keys_match_null_with_null()
    {
        Assert.Equal(Sorted("1,a,1,x", "1,a,1,y", "3,c,3,z", "null,d,null,n"), Join(JoinType.Inner, nullSafe: true));
        Assert.Equal(Sorted("2,b"), Join(JoinType.LeftAnti, nullSafe: true));
        Assert.Equal(Sorted("1,a,1,x", "1,a,1,y", "3,c,3,z", "null,d,null,n", "2,b,null,null", "null,null,4,w"), Join(JoinType.FullOuter, nullSafe: true));
    }

    [Fact]
    public void Residual_condition_filters_candidate_pairs_before_outer_padding()
    {
        Assert.Equal(Sorted("1,a,1,x", "3,c,3,z"), Join(JoinType.Inner, "__r1 <> 'y'"));
        // No pair passes: every left row is unmatched, every right row too.
        Assert.Equal(Sorted("1,a,null,null", "2,b,null,null", "3,c,null,null", "null,d,null,null"), Join(JoinType.LeftOuter, "__r1 = 'q'"));
        Assert.Equal(Sorted("1,a"), Join(JoinType.LeftSemi, "__r1 = 'y'"));
        Assert.Equal(Sorted("2,b", "3,c", "null,d"), Join(JoinType.LeftAnti, "__r1 = 'y'"));
    }

    [Fact]
    public void Cross_and_non_equi_joins_pair_every_row()
    {
        var all = Join(JoinType.Cross, keys: []);
        Assert.Equal(Left.Length * Right.Length, all.Length);
        // A non-equi condition: left id below right id.
        Assert.Equal(Sorted("1,a,3,z", "1,a,4,w", "2,b,3,z", "2,b,4,w", "3,c,4,w"), Join(JoinType.Inner, "__l0 < __r0", keys: []));
        Assert.Equal(Sorted("1,a,3,z", "1,a,4,w", "2,b,3,z", "2,b,4,w", "3,c,4,w", "null,d,null,null"), Join(JoinType.LeftOuter, "__l0 < __r0", keys: []));
    }

    [Fact]
    public void Multi_column_string_keys_and_empty_sides()
    {
        var left = Batch(("a", Strs("k1", "k1", "k2")), ("b", Longs(1, 2, 1)), ("x", Ints(10, 20, 30)));
        var right = Batch(("b", Longs(1, 2, 2)), ("a", Strs("k1", "k1", "k9")), ("y", Ints(100, 200, 300)));
        var spec = Spec(JoinType.FullOuter, left, right, [0, 1], [1, 0]);
        Assert.Equal(Sorted("k1,1,10,1,k1,100", "k1,2,20,2,k1,200", "k2,1,30,null,null,null", "null,null,null,2,k9,300"),
            Rows(Run(spec.CreateOperator("append"), left, right)));
        var emptyRight = Run(spec.CreateOperator("append"), left, null);
        Assert.Equal(3, emptyRight.Length);
        Assert.Equal(0, Run(Spec(JoinType.Inner, left, right, [0, 1], [1, 0]).CreateOperator("append"), left, null).Length);
    }

    [Fact]
    public void Output_schema_widens_nullability_and_keeps_duplicate_names()
    {
        var left = new Schema([new Field("id", Apache.Arrow.Types.Int32Type.Default, false)], null);
        var right = new Schema([new Field("id", Apache.Arrow.Types.Int32Type.Default, false)], null);
        var inner = JoinOperatorSpec.OutputSchemaOf(JoinType.Inner, left, right);
        Assert.Equal(["id", "id"], inner.FieldsList.Select(f => f.Name));
        Assert.All(inner.FieldsList, f => Assert.False(f.IsNullable));
        var leftOuter = JoinOperatorSpec.OutputSchemaOf(JoinType.LeftOuter, left, right);
        Assert.Equal([false, true], leftOuter.FieldsList.Select(f => f.IsNullable));
        Assert.Equal([true, true], JoinOperatorSpec.OutputSchemaOf(JoinType.FullOuter, left, right).FieldsList.Select(f => f.IsNullable));
        Assert.Single(JoinOperatorSpec.OutputSchemaOf(JoinType.LeftSemi, left, right).FieldsList);
    }

    [Fact]
    public void Exchange_routes_equal_keys_of_both_sides_to_the_same_key_group()
    {
        var left = Batch(("k", Strs("a", "b", "c", null)), ("x", Ints(1, 2, 3, 4)));
        var right = Batch(("y", Ints(5, 6, 7, 8)), ("k", Strs("c", null, "a", "b")));
        var spec = Spec(JoinType.Inner, left, right, [0], [1]);
        var lw = spec.CreateExchangeWriter(0);
        var rw = spec.CreateExchangeWriter(1);
        lw.Add(left, Ctx);
        rw.Add(right, Ctx);
        var lb = lw.Finish()!;
        var rb = rw.Finish()!;
        Assert.Equal([0], lw.RoutingColumns);
        Assert.Equal([1], rw.RoutingColumns);
        var lg = new int[4];
        var rg = new int[4];
        OrleansStream.Engine.State.KeyGroups.Assign([lb.Column(0)], 4, 128, lg);
        OrleansStream.Engine.State.KeyGroups.Assign([rb.Column(1)], 4, 128, rg);
        Assert.Equal(lg[0], rg[2]);
        Assert.Equal(lg[1], rg[3]);
        Assert.Equal(lg[2], rg[0]);
        Assert.Equal(lg[3], rg[1]);
        // Split across 4 partitions: each left row meets its right row in the same partition.
        var ls = OrleansStream.Engine.State.KeyGroupPartitioner.Split(lb, lw.RoutingColumns, 128, 4);
        var rs = OrleansStream.Engine.State.KeyGroupPartitioner.Split(rb, rw.RoutingColumns, 128, 4);
        var joined = Enumerable.Range(0, 4).SelectMany(p => Rows(Run(spec.CreateOperator("append"), ls[p] ?? Empty(left), rs[p] ?? Empty(right)))).Order(StringComparer.Ordinal);
        Assert.Equal(Sorted("a,1,7,a", "b,2,8,b", "c,3,5,c"), joined);
        Assert.Equal("symmetricHashJoin", spec.Name);
    }

    [Fact]
    public void A_key_type_that_cannot_be_hashed_is_refused_naming_the_columns()
    {
        var list = new Apache.Arrow.Types.ListType(Apache.Arrow.Types.Int32Type.Default);
        var left = new Schema([new Field("tags", list, true)], null);
        var right = new Schema([new Field("labels", list, true)], null);
        var ex = Assert.Throws<AnalysisException>(() => new JoinOperatorSpec(JoinType.Inner, left, right, [0], [0], [false], null,
            JoinInputKind.Static, JoinInputKind.Static, null, null));
        Assert.StartsWith("Join key column 'tags' = 'labels' has type array<int>", ex.Message);
    }

    private static RecordBatch Empty(RecordBatch like) => ArrowValues.Empty(like.Schema);
}
