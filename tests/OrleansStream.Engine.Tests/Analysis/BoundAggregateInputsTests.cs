using OrleansStream.Engine.Analysis.Bound;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Planning;
using OrleansStream.Plan.Sql;
using static OrleansStream.Engine.Tests.State.StateTestData;

namespace OrleansStream.Engine.Tests.Analysis;

/// <summary>The aggregation's key values, gaps and arguments are bound once, when the aggregation is planned.</summary>
public class BoundAggregateInputsTests
{
    private static AggregateBinding Bind(string[] grouping, params string[] aggregates)
    {
        var keys = grouping.Select(SqlExpressionParser.ParseNamed).ToList();
        var node = new Aggregate(new SourceRelation("0", "memory", new Dictionary<string, string>(), null, true), keys,
            keys.Concat(aggregates.Select(SqlExpressionParser.ParseNamed)).ToList());
        return AggregateBinding.Bind(node, Schema("k bigint, t timestamp, v bigint, g string"));
    }

    [Fact]
    public void Bind_KeyAndArgumentSharingAnExpression_ComputeItOnce()
    {
        var binding = Bind(["k % 10 AS bucket"], "sum(k % 10) AS s", "count(*) AS n");
        var bound = binding.BoundInputs;
        Assert.Equal(1, bound.SlotCount);
        Assert.Same(bound.KeyValues[0], bound.Inputs[0]);
        Assert.Null(bound.Inputs[1]);
    }

    [Fact]
    public void Bind_SessionGapExpression_IsBoundButALiteralGapIsNot()
    {
        Assert.IsType<BoundColumn>(Bind(["k", "session_window(t, g)"], "count(*) AS n").BoundInputs.Gaps[1]);
        Assert.Null(Bind(["k", "session_window(t, '5 seconds')"], "count(*) AS n").BoundInputs.Gaps[1]);
    }

    [Fact]
    public void Bind_WindowKey_BindsItsEventTime()
    {
        var bound = Bind(["window(t, '10 seconds')"], "count(*) AS n").BoundInputs;
        Assert.Equal(1, Assert.IsType<BoundColumn>(bound.KeyValues[0]).Ordinal);
    }

    [Fact]
    public void Bind_ArgumentNotBindable_FailsAtPlanning()
    {
        var e = Assert.Throws<AnalysisException>(() => Bind(["k"], "max(g RLIKE g) AS m"));
        Assert.StartsWith("[DATATYPE_MISMATCH.NON_FOLDABLE_INPUT]", e.Message);
    }
}
