using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.Batch;

/// <summary>Batch joins through the client: Spark's null semantics of keys, key coercion, residual conditions, and the
/// analysis errors a user meets, in Spark's words.</summary>
[Collection(SessionCollection.Name)]
public sealed class JoinTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    private DataFrame Df(string ddl, params object?[][] rows) => Session.CreateDataFrame(rows, ddl);

    private static async Task<string[]> Answer(DataFrame df) => (await df.CollectAsync()).Select(r => r.ToString()).Order(StringComparer.Ordinal).ToArray();

    private static string[] Rows(params string[] rows) => rows.Order(StringComparer.Ordinal).ToArray();

    private DataFrame Left => Df("k INT, l STRING", [1, "a"], [null, "n"], [2, "b"]);
    private DataFrame Right => Df("k INT, r STRING", [1, "x"], [null, "m"], [3, "z"]);

    [Theory]
    [InlineData("inner", new[] { "[1,a,1,x]" })]
    [InlineData("left", new[] { "[1,a,1,x]", "[null,n,null,null]", "[2,b,null,null]" })]
    [InlineData("right", new[] { "[1,a,1,x]", "[null,null,null,m]", "[null,null,3,z]" })]
    [InlineData("full", new[] { "[1,a,1,x]", "[null,n,null,null]", "[2,b,null,null]", "[null,null,null,m]", "[null,null,3,z]" })]
    [InlineData("semi", new[] { "[1,a]" })]
    [InlineData("anti", new[] { "[null,n]", "[2,b]" })]
    public async Task NullKeysNeverMatch_InEveryJoinType(string joinType, string[] expected)
    {
        var left = Left;
        var right = Right;
        Assert.Equal(Rows(expected), await Answer(left.Join(right, left.Col("k") == right.Col("k"), joinType)));
    }

    [Fact]
    public async Task NullSafeEquality_MatchesNullWithNull()
    {
        var left = Left.As("a");
        var right = Right.As("b");
        Assert.Equal(Rows("[1,a,1,x]", "[null,n,null,m]"), await Answer(left.Join(right, Col("a.k").EqNullSafe(Col("b.k")))));
        Assert.Equal(Rows("[2,b]"), await Answer(left.Join(right, Col("a.k").EqNullSafe(Col("b.k")), "left_anti")));
    }

    [Fact]
    public async Task KeysOfDifferentTypesAndKeyExpressions_AreCoercedAsSparkCompares()
    {
        var ints = Df("id INT, name STRING", [1, "one"], [2, "two"], [3, "three"]);
        var longs = Df("id BIGINT, score DOUBLE", [2L, 0.5], [4L, 1.5]);
        var joined = ints.Join(longs, ints.Col("id") == longs.Col("id"));
        Assert.Equal(["id", "name", "id", "score"], joined.Columns);
        Assert.Equal(Rows("[2,two,2,0.5]"), await Answer(joined));
        // An expression key: (id + 1) = id, an int expression against a bigint column, keys on a computed column that the
        // output drops.
        var shifted = ints.Join(longs, (ints.Col("id") + 1) == longs.Col("id"));
        Assert.Equal(["id", "name", "id", "score"], shifted.Columns);
        Assert.Equal(Rows("[1,one,2,0.5]", "[3,three,4,1.5]"), await Answer(shifted));
    }

    [Fact]
    public async Task ResidualCondition_FiltersMatchedPairs_AndDecidesOuterPadding()
    {
        var orders = Df("customer INT, amount INT", [1, 10], [1, 50], [2, 70]).As("o");
        var limits = Df("customer INT, max INT", [1, 20], [2, 60], [3, 5]).As("c");
        var over = Col("o.customer") == Col("c.customer") & (Col("o.amount") > Col("c.max"));
        Assert.Equal(Rows("[1,50,1,20]", "[2,70,2,60]"), await Answer(orders.Join(limits, over)));
        Assert.Equal(Rows("[1,10,null,null]", "[1,50,1,20]", "[2,70,2,60]"), await Answer(orders.Join(limits, over, "left")));
        // Only a non-equi condition: every pair is tested.
        Assert.Equal(Rows("[1,10,1,20]", "[1,10,2,60]", "[1,50,2,60]"), await Answer(orders.Join(limits, Col("o.amount") < Col("c.max"))));
    }

    [Fact]
    public async Task JoinThenAggregate_CountsPerKeyAcrossBothSides()
    {
        var clicks = Df("user STRING, page STRING", ["ann", "home"], ["ann", "cart"], ["bob", "home"], ["cyd", "home"]);
        var users = Df("user STRING, country STRING", ["ann", "fr"], ["bob", "fr"], ["cyd", "de"]);
        var perCountry = clicks.Join(users, "user").GroupBy("country").Agg(Count().As("clicks"), Count(Col("page")).As("pages"));
        Assert.Equal(Rows("[de,1,1]", "[fr,3,3]"), await Answer(perCountry));
    }

    [Fact]
    public async Task QualifiedStar_ExpandsOneSide_AndExplainShowsTheJoin()
    {
        var left = Left.As("a");
        var right = Right.As("b");
        var joined = left.Join(right, Col("a.k") == Col("b.k"), "left_outer").Select("b.*", "a.l");
        Assert.Equal(["k", "r", "l"], joined.Columns);
        Assert.Equal(Rows("[1,x,a]", "[null,null,n]", "[null,null,b]"), await Answer(joined));
        var explain = joined.ExplainString();
        Assert.Contains("Join LeftOuter, (a.k = b.k)", explain);
        Assert.Contains("SubqueryAlias a", explain);
    }

    [Fact]
    public async Task AnUnqualifiedColumnOfBothSides_IsAmbiguous()
    {
        var ex = await Assert.ThrowsAsync<AnalysisException>(() => Left.As("a").Join(Right.As("b"), Col("k") == Col("k")).CollectAsync());
        Assert.Equal("[AMBIGUOUS_REFERENCE] Reference `k` is ambiguous, could be: [`a`.`k`, `b`.`k`].", ex.Message);
        // Above the join too, where both sides' k are output columns.
        var above = await Assert.ThrowsAsync<AnalysisException>(() => Left.As("a").Join(Right.As("b"), Col("a.k") == Col("b.k")).Select("k").CollectAsync());
        Assert.Equal("[AMBIGUOUS_REFERENCE] Reference `k` is ambiguous, could be: [`a`.`k`, `b`.`k`].", above.Message);
    }

    [Fact]
    public async Task AConditionOnAColumnOfNeitherSide_OrIncomparableKeys_IsRefusedNamingTheColumns()
    {
        var missing = await Assert.ThrowsAsync<AnalysisException>(() => Left.As("a").Join(Right.As("b"), Col("a.k") == Col("b.nope")).CollectAsync());
        Assert.Contains("`b`.`nope`", missing.Message.Replace("`b.nope`", "`b`.`nope`", StringComparison.Ordinal));
        Assert.StartsWith("[UNRESOLVED_COLUMN.WITH_SUGGESTION]", missing.Message);

        var structs = Df("k STRING, s STRUCT<x: INT>", ["1", null]);
        var mistyped = await Assert.ThrowsAsync<AnalysisException>(() => structs.As("a").Join(structs.As("b"), Col("a.k") == Col("b.s")).CollectAsync());
        Assert.Contains("Cannot resolve \"(a.k = b.s)\" due to data type mismatch", mistyped.Message);

        var usingMissing = await Assert.ThrowsAsync<AnalysisException>(() => Left.Join(Right, "l").CollectAsync());
        Assert.Equal("[UNRESOLVED_USING_COLUMN_FOR_JOIN] USING column `l` cannot be resolved on the right side of the join. The right-side columns: [`k`, `r`].", usingMissing.Message);

        var type = Assert.Throws<ArgumentException>(() => Left.Join(Right, ["k"], "sideways"));
        Assert.StartsWith("Unsupported join type 'sideways'.", type.Message);
    }

    [Fact]
    public async Task AColumnOfAnotherDataFrame_IsRefusedInSparkConnectsWords()
    {
        var other = Right;
        var ex = await Assert.ThrowsAsync<AnalysisException>(() => Left.Select(other.Col("r")).CollectAsync());
        Assert.StartsWith("[CANNOT_RESOLVE_DATAFRAME_COLUMN] Cannot resolve dataframe column \"r\".", ex.Message);
    }

    [Fact]
    public async Task TheKeyOfAnInnerUsingJoin_IsNamedByEitherSidesCol()
    {
        var left = Left;
        var right = Right;
        var joined = left.Join(right, "k");
        Assert.Equal(Rows("[1,a,x]"), await Answer(joined.Select(right.Col("k"), left.Col("l"), right.Col("r"))));
        Assert.Equal(Rows("[1]"), await Answer(joined.Select(left.Col("k"))));
    }

    [Fact]
    public async Task ACrossJoinWithACondition_KeepsThePairsItHolds()
    {
        var left = Left;
        var right = Right;
        Assert.Equal(Rows("[1,a,1,x]"), await Answer(left.Join(right, left.Col("k") == right.Col("k"), "cross")));
        Assert.Equal(Rows("[2,b,1,x]"), await Answer(left.Join(right, left.Col("k") > right.Col("k"), "cross")));
    }
}
