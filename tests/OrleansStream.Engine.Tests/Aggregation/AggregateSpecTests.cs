using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Operators.Aggregation;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Tests.Aggregation;

public class AggregateSpecTests
{
    [Theory]
    [InlineData("count", null, "bigint")]
    [InlineData("count", "string", "bigint")]
    [InlineData("COUNT", "array<int>", "bigint")]
    [InlineData("sum", "tinyint", "bigint")]
    [InlineData("sum", "int", "bigint")]
    [InlineData("sum", "bigint", "bigint")]
    [InlineData("sum", "float", "double")]
    [InlineData("sum", "double", "double")]
    [InlineData("sum", "string", "double")]
    [InlineData("sum", "decimal(10,2)", "decimal(20,2)")]
    [InlineData("sum", "decimal(35,4)", "decimal(38,4)")]
    [InlineData("avg", "int", "double")]
    [InlineData("mean", "bigint", "double")]
    [InlineData("avg", "float", "double")]
    [InlineData("avg", "decimal(10,2)", "decimal(14,6)")]
    [InlineData("avg", "decimal(36,36)", "decimal(38,38)")]
    [InlineData("min", "string", "string")]
    [InlineData("max", "timestamp", "timestamp")]
    [InlineData("first", "date", "date")]
    [InlineData("last", "decimal(7,3)", "decimal(7,3)")]
    [InlineData("last", "boolean", "boolean")]
    [InlineData("approx_count_distinct", "string", "bigint")]
    public void ResultType_MatchesSpark(string function, string? input, string expected)
    {
        var inputType = input is null ? null : DataTypes.ParseType(input);
        Assert.Equal(expected, DataTypes.ToDdl(AggregateSpec.ResultType(function, inputType)));
        Assert.Equal(expected, DataTypes.ToDdl(new AggregateSpec(function, inputType).ResultType()));
    }

    [Fact]
    public void ResultType_AgreesWithTheExpressionTyper()
    {
        string[] functions = ["count", "sum", "avg", "mean", "min", "max", "first", "last", "approx_count_distinct"];
        string[] types = ["tinyint", "smallint", "int", "bigint", "float", "double", "decimal(10,2)", "decimal(38,10)", "string",
            "binary", "boolean", "timestamp", "date"];
        var compared = 0;
        foreach (var function in functions)
        foreach (var typeName in types)
        {
            var type = DataTypes.ParseType(typeName);
            IArrowType typed;
            try { typed = FunctionTypes.Result(new FunctionCall(function, [new ColumnRef("x")]), [(type, true)]).Type; }
            catch (AnalysisException) { continue; }
            IArrowType ours;
            try { ours = AggregateSpec.ResultType(function, type); }
            catch (Exception e) when (e is AnalysisException or NotSupportedException) { continue; }
            Assert.True(DataTypes.SameType(typed, ours), $"{function}({typeName}): typer says {DataTypes.ToDdl(typed)}, aggregation says {DataTypes.ToDdl(ours)}");
            compared++;
        }
        Assert.True(compared > 90, $"only {compared} combinations compared");
    }

    [Fact]
    public void ResultNullable_OnlyCountsAreNeverNull()
    {
        Assert.False(new AggregateSpec("count", null).ResultNullable);
        Assert.False(new AggregateSpec("approx_count_distinct", Int32Type.Default).ResultNullable);
        Assert.True(new AggregateSpec("sum", Int32Type.Default).ResultNullable);
        Assert.True(new AggregateSpec("first", Int32Type.Default).ResultNullable);
    }

    [Fact]
    public void ResultType_RejectsWhatSparkRejects_AndNamesWhatIsUnsupported()
    {
        var e1 = Assert.Throws<AnalysisException>(() => AggregateSpec.ResultType("sum", BooleanType.Default));
        Assert.Contains("BOOLEAN", e1.Message);
        Assert.Throws<AnalysisException>(() => AggregateSpec.ResultType("avg", DataTypes.Timestamp));
        Assert.Throws<AnalysisException>(() => AggregateSpec.ResultType("median_of_doom", Int32Type.Default));
        Assert.Throws<AnalysisException>(() => AggregateSpec.ResultType("sum", null));
        var e2 = Assert.Throws<NotSupportedException>(() => AggregateSpec.ResultType("min", DataTypes.ParseType("array<int>")));
        Assert.Contains("array<int>", e2.Message);
        Assert.Throws<NotSupportedException>(() => AggregateSpec.ResultType("collect_list", Int32Type.Default));
        Assert.Throws<NotSupportedException>(() => new AggregateBuffers([new AggregateSpec("first", DataTypes.ParseType("struct<a:int>"))]));
    }
}
