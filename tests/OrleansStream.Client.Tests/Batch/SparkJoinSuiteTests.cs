using OrleansStream.Client.Tests.Infrastructure;
using static OrleansStream.Client.Functions;

namespace OrleansStream.Client.Tests.Batch;

/// <summary>Spark's JoinSuite on its test tables (testData2, testData3, upperCaseData, lowerCaseData), expected rows ported.</summary>
[Collection(SessionCollection.Name)]
public sealed class SparkJoinSuiteTests(SessionFixture fixture)
{
    private StreamSession Session => fixture.Session;

    private static async Task<string[]> Answer(DataFrame df) => (await df.CollectAsync()).Select(r => r.ToString()).Order(StringComparer.Ordinal).ToArray();

    private static string[] Rows(params string[] rows) => rows.Order(StringComparer.Ordinal).ToArray();

    private DataFrame TestData2 => Session.CreateDataFrame([[1, 1], [1, 2], [2, 1], [2, 2], [3, 1], [3, 2]], "a INT, b INT");
    private DataFrame TestData3 => Session.CreateDataFrame([[1, null], [2, 2]], "a INT, b INT");
    private DataFrame UpperCaseData => Session.CreateDataFrame([[1, "A"], [2, "B"], [3, "C"], [4, "D"], [5, "E"], [6, "F"]], "N INT, L STRING");
    private DataFrame LowerCaseData => Session.CreateDataFrame([[1, "a"], [2, "b"], [3, "c"], [4, "d"]], "n INT, l STRING");

    [Fact]
    public async Task InnerJoin_MultipleMatches_NoMatches()
    {
        var x = TestData2.Where(Col("a") == 1).As("x");
        Assert.Equal(Rows("[1,1,1,1]", "[1,1,1,2]", "[1,2,1,1]", "[1,2,1,2]"),
            await Answer(x.Join(TestData2.Where(Col("a") == 1).As("y")).Where(Col("x.a") == Col("y.a"))));
        Assert.Empty(await Answer(x.Join(TestData2.Where(Col("a") == 2).As("y")).Where(Col("x.a") == Col("y.a"))));
    }

    [Fact]
    public async Task CartesianProductJoin()
    {
        var t = TestData3;
        Assert.Equal(Rows("[1,null,1,null]", "[1,null,2,2]", "[2,2,1,null]", "[2,2,2,2]"), await Answer(t.Join(TestData3)));
    }

    [Fact]
    public async Task LeftOuterJoin()
    {
        // n and N name the two sides' columns (Spark runs this with case-sensitive resolution; an exact name wins here).
        Assert.Equal(Rows("[1,A,1,a]", "[2,B,2,b]", "[3,C,3,c]", "[4,D,4,d]", "[5,E,null,null]", "[6,F,null,null]"),
            await Answer(UpperCaseData.Join(LowerCaseData, Col("n") == Col("N"), "left")));
        Assert.Equal(Rows("[1,A,null,null]", "[2,B,2,b]", "[3,C,3,c]", "[4,D,4,d]", "[5,E,null,null]", "[6,F,null,null]"),
            await Answer(UpperCaseData.Join(LowerCaseData, (Col("n") == Col("N")) & (Col("n") > 1), "left")));
        Assert.Equal(Rows("[1,A,null,null]", "[2,B,2,b]", "[3,C,3,c]", "[4,D,4,d]", "[5,E,null,null]", "[6,F,null,null]"),
            await Answer(UpperCaseData.Join(LowerCaseData, (Col("n") == Col("N")) & (Col("N") > 1), "left")));
        Assert.Equal(Rows("[1,A,1,a]", "[2,B,2,b]", "[3,C,3,c]", "[4,D,4,d]", "[5,E,null,null]", "[6,F,null,null]"),
            await Answer(UpperCaseData.Join(LowerCaseData, (Col("n") == Col("N")) & (Col("l") > Col("L")), "left")));
    }

    [Fact]
    public async Task RightOuterJoin()
    {
        Assert.Equal(Rows("[1,a,1,A]", "[2,b,2,B]", "[3,c,3,C]", "[4,d,4,D]", "[null,null,5,E]", "[null,null,6,F]"),
            await Answer(LowerCaseData.Join(UpperCaseData, Col("n") == Col("N"), "right")));
    }

    [Fact]
    public async Task FullOuterJoin()
    {
        var left = UpperCaseData.Where(Col("N") <= 4).As("leftTable");
        var right = UpperCaseData.Where(Col("N") >= 3).As("rightTable");
        Assert.Equal(Rows("[1,A,null,null]", "[2,B,null,null]", "[3,C,3,C]", "[4,D,4,D]", "[null,null,5,E]", "[null,null,6,F]"),
            await Answer(left.Join(right, Col("leftTable.N") == Col("rightTable.N"), "full")));
    }
}
