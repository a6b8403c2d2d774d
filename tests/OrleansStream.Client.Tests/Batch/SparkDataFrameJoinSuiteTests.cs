using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.Batch;

/// <summary>Spark's DataFrameJoinSuite, its expected rows ported: batch joins through the client on the embedded silo.</summary>
[Collection(SessionCollection.Name)]
public sealed class SparkDataFrameJoinSuiteTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    private DataFrame Df(string ddl, params object?[][] rows) => Session.CreateDataFrame(rows, ddl);

    private static async Task<string[]> Answer(DataFrame df) => (await df.CollectAsync()).Select(r => r.ToString()).Order(StringComparer.Ordinal).ToArray();

    private static string[] Rows(params string[] rows) => rows.Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task JoinUsing()
    {
        var df = Df("int INT, str STRING", [1, "1"], [2, "2"], [3, "3"]);
        var df2 = Df("int INT, str STRING", [1, "2"], [2, "3"], [3, "4"]);
        var joined = df.Join(df2, "int");
        Assert.Equal(["int", "str", "str"], joined.Columns);
        Assert.Equal(Rows("[1,1,2]", "[2,2,3]", "[3,3,4]"), await Answer(joined));
    }

    [Fact]
    public async Task JoinUsingMultipleColumns()
    {
        var df = Df("int INT, int2 INT, str STRING", [1, 2, "1"], [2, 3, "2"], [3, 4, "3"]);
        var df2 = Df("int INT, int2 INT, str STRING", [1, 2, "2"], [2, 3, "3"], [3, 4, "4"]);
        Assert.Equal(Rows("[1,2,1,2]", "[2,3,2,3]", "[3,4,3,4]"), await Answer(df.Join(df2, ["int", "int2"])));
    }

    [Fact]
    public async Task SortedColumnsNotInTheJoinsOutputSet_QualifiedByAlias()
    {
        var df = Df("int INT, int2 INT, str_sort STRING", [1, 2, "1"], [3, 4, "3"]).As("df1");
        var df2 = Df("int INT, int2 INT, str STRING", [1, 3, "1"], [5, 6, "5"]).As("df2");
        var df3 = Df("int INT, int2 INT, str STRING", [1, 3, "1"], [5, 6, "5"]).As("df3");

        Assert.Equal(Rows("[null,6]", "[1,3]", "[3,null]"),
            await Answer(df.Join(df2, Col("df1.int") == Col("df2.int"), "outer").Select(Col("df1.int"), Col("df2.int2"))));
        Assert.Equal(Rows("[5,5]", "[1,1]"), await Answer(df2.Join(df3, Col("df2.int") == Col("df3.int"), "inner").Select(Col("df2.int"), Col("df3.int"))));
    }

    [Fact]
    public async Task JoinUsingMultipleColumnsAndSpecifyingJoinType()
    {
        var df = Df("int INT, int2 INT, str STRING", [1, 2, "1"], [3, 4, "3"]);
        var df2 = Df("int INT, int2 INT, str STRING", [1, 3, "1"], [5, 6, "5"]);
        string[] keys = ["int", "str"];

        Assert.Equal(Rows("[1,1,2,3]"), await Answer(df.Join(df2, keys, "inner")));
        Assert.Equal(Rows("[1,1,2,3]", "[3,3,4,null]"), await Answer(df.Join(df2, keys, "left")));
        Assert.Equal(Rows("[1,1,2,3]", "[5,5,null,6]"), await Answer(df.Join(df2, keys, "right")));
        Assert.Equal(Rows("[1,1,2,3]", "[3,3,4,null]", "[5,5,null,6]"), await Answer(df.Join(df2, keys, "outer")));
        Assert.Equal(Rows("[1,1,2]"), await Answer(df.Join(df2, keys, "left_semi")));
        Assert.Equal(Rows("[3,3,4]"), await Answer(df.Join(df2, keys, "left_anti")));
    }

    [Fact]
    public async Task JoinUsingSelfJoin()
    {
        var df = Df("int INT, str STRING", [1, "1"], [2, "2"], [3, "3"]);
        Assert.Equal(Rows("[1,1,1]", "[2,2,2]", "[3,3,3]"), await Answer(df.Join(df, "int")));
    }

    [Fact]
    public async Task SelfJoin_OfAliasedProjections()
    {
        var testData = Df("key INT, value STRING", [1, "1"], [2, "2"], [2, "2b"], [3, "3"]);
        var df1 = testData.Select(testData.Col("key")).As("df1");
        var df2 = testData.Select(testData.Col("key")).As("df2");
        // SELECT a.key, b.key FROM testData a JOIN testData b ON a.key = b.key: key 2 twice on each side gives four pairs.
        Assert.Equal(Rows("[1,1]", "[2,2]", "[2,2]", "[2,2]", "[2,2]", "[3,3]"), await Answer(df1.Join(df2, Col("df1.key") == Col("df2.key"))));
    }

    [Fact]
    public async Task CrossJoin()
    {
        var df1 = Df("int INT, str STRING", [1, "1"], [3, "3"]);
        var df2 = Df("int INT, str STRING", [2, "2"], [4, "4"]);
        Assert.Equal(Rows("[1,1,2,2]", "[1,1,4,4]", "[3,3,2,2]", "[3,3,4,4]"), await Answer(df1.CrossJoin(df2)));
        Assert.Equal(Rows("[2,2,1,1]", "[2,2,3,3]", "[4,4,1,1]", "[4,4,3,3]"), await Answer(df2.CrossJoin(df1)));
        // join(right) without a condition is the same product.
        Assert.Equal(Rows("[1,1,2,2]", "[1,1,4,4]", "[3,3,2,2]", "[3,3,4,4]"), await Answer(df1.Join(df2)));
    }

    [Fact]
    public async Task UsingAliasesAfterSelfJoin_ThenGroupBy()
    {
        var df = Df("int INT, str STRING", [1, "1"], [2, "2"], [3, "3"]);
        Assert.Equal(Rows("[1,1]", "[2,1]", "[3,1]"), await Answer(df.As("x").Join(df.As("y"), Col("x.str") == Col("y.str")).GroupBy("x.str").Count()));
        Assert.Equal(Rows("[1,1]", "[2,1]", "[3,1]"), await Answer(df.As("x").Join(df.As("y"), Col("x.str") == Col("y.str")).GroupBy("y.str").Count()));
    }

    [Fact]
    public async Task DataFrameColumns_OfTwoAggregations_ResolveToTheirOwnSide()
    {
        // SPARK-6231's last case: the two sides have a column "key" each; left("key") and right("key") tell them apart.
        var df = Df("key INT, value STRING", [1, "1"], [2, "2"]);
        var left = df.GroupBy("key").Agg(Count());
        var right = df.GroupBy("key").Agg(Sum("key"));
        Assert.Equal(Rows("[1,1,1,1]", "[2,1,2,2]"), await Answer(left.Join(right, left.Col("key") == right.Col("key"))));
    }

    [Fact]
    public async Task OuterJoinConversion_FilterAfterTheJoinOnEitherSide()
    {
        var df = Df("int INT, int2 INT, str STRING", [1, 2, "1"], [3, 4, "3"]).As("a");
        var df2 = Df("int INT, int2 INT, str STRING", [1, 3, "1"], [5, 6, "5"]).As("b");

        Assert.Equal(Rows("[3,4,3,null,null,null]"), await Answer(df.Join(df2, Col("a.int") == Col("b.int"), "outer").Where(Col("a.int") == 3)));
        Assert.Equal(Rows("[null,null,null,5,6,5]"), await Answer(df.Join(df2, Col("a.int") == Col("b.int"), "outer").Where(Col("b.int") == 5)));
        Assert.Equal(Rows("[1,2,1,1,3,1]"), await Answer(df.Join(df2, Col("a.int") == Col("b.int"), "outer").Where((Col("a.int") == 1) & (Col("b.int2") == 3))));
        Assert.Equal(Rows("[1,2,1,1,3,1]"), await Answer(df.Join(df2, Col("a.int") == Col("b.int"), "right").Where(Col("a.int") == 1)));
        Assert.Equal(Rows("[1,2,1,1,3,1]"), await Answer(df.Join(df2, Col("a.int") == Col("b.int"), "left").Where(Col("b.int2") == 3)));
    }

    [Fact]
    public async Task OuterJoinResults_ProcessedThroughTheNonNullableColumnsOfItsInputs()
    {
        var df1 = Df("id INT, count INT", [0, 0], [1, 0], [2, 0], [3, 0], [4, 0]);
        var df2 = Df("id INT", [0], [1]).GroupBy("id").Count();
        Assert.Equal(Rows("[2,0,null,null]", "[3,0,null,null]", "[4,0,null,null]"),
            await Answer(df1.Join(df2, df1.Col("id") == df2.Col("id"), "left_outer").Filter(df2.Col("count").IsNull())));

        var df3 = Df("a INT, b INT", [1, 1]);
        var df4 = Df("a INT, b INT", [2, 2]);
        Assert.Equal(Rows("[1,null]", "[null,2]"),
            await Answer(df3.Join(df4, df3.Col("a") == df4.Col("a"), "outer").Select(Coalesce(df3.Col("a"), df3.Col("b")), Coalesce(df4.Col("a"), df4.Col("b")))));
    }

    [Fact]
    public async Task FullOuterJoinFollowedByInnerJoin_Spark16991()
    {
        var a = Df("a INT, b INT", [1, 2], [2, 3]);
        var b = Df("a INT, c INT", [2, 5], [3, 4]);
        var c = Df("a INT, d INT", [3, 1]);
        var ab = a.Join(b, ["a"], "fullouter");
        Assert.Equal(Rows("[3,null,4,1]"), await Answer(ab.Join(c, "a")));
    }
}
