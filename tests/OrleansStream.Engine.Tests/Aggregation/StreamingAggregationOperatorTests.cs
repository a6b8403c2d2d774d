using Apache.Arrow;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Logical;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.Operators.Aggregation;
using OrleansStream.Engine.Planning;
using OrleansStream.Plan.Sql;
using static OrleansStream.Engine.Tests.State.StateTestData;

namespace OrleansStream.Engine.Tests.Aggregation;

/// <summary>The keyed aggregation operator as a state partition runs it: several producers' partials per epoch.</summary>
public class StreamingAggregationOperatorTests
{
    private const string Ddl = "k bigint, v bigint";

    private static AggregateBinding Bind()
    {
        var grouping = new[] { SqlExpressionParser.ParseNamed("k") }.ToList();
        var outputs = grouping.Concat(new[] { "count(*) AS n", "sum(v) AS s" }.Select(SqlExpressionParser.ParseNamed)).ToList();
        var node = new Aggregate(new SourceRelation("0", "memory", new Dictionary<string, string>(), null, true), grouping, outputs);
        return AggregateBinding.Bind(node, Schema(Ddl));
    }

    private static RecordBatch Partial(AggregateBinding binding, params object?[][] rows)
    {
        var writer = new AggregateExchangeWriter(binding);
        writer.Add(Batch(Ddl, rows), new EpochContext(0, 0));
        return writer.Finish()!;
    }

    [Fact]
    public void UpdateMode_EmitsAKeyUpdatedByTwoProducersOnce_WithBothContributions()
    {
        var binding = Bind();
        var op = new StreamingAggregationOperator(binding, "update", null);
        var first = Partial(binding, [1L, 10L], [2L, 20L]);
        var second = Partial(binding, [2L, 5L], [3L, 7L]);

        var output = op.Process([first, second], new StatefulContext(0, null, null));

        Assert.Equal(["1 | 1 | 10", "2 | 2 | 25", "3 | 1 | 7"], Rows(output).Select(Print).Order());
        Assert.Equal(3, op.Metrics.NumRowsUpdated);
    }
}
