using System.Text.Json;
using Apache.Arrow;
using OrleansStream.Engine.Planning;
using OrleansStream.Engine.Planning.Physical;
using OrleansStream.Plan.Sql;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Tests.Planning.Physical;

/// <summary>The stage graph the web UI draws: every stage, its operator and exchanges, and where rows end; no source options.</summary>
public class StageGraphJsonTests
{
    private static readonly Schema EventSchema = DataTypes.ParseSchema("k STRING, v INT, ts TIMESTAMP");

    private static Expr Sql(string s) => SqlExpressionParser.ParseNamed(s);

    [Fact]
    public void Write_DescribesEachStageAndItsEdges_WithoutTheSourcesOptions()
    {
        var source = new SourceRelation("0", "kafka", new Dictionary<string, string> { ["kafka.sasl.jaas.config"] = "password=hunter2" }, null, true);
        var dedup = new Deduplicate(new EventTimeWatermark(source, "ts", "0 seconds"), ["k", "ts"], WithinWatermark: false);
        var counts = new Aggregate(dedup, [Sql("window(ts, '10 seconds')"), Sql("k")], [Sql("window(ts, '10 seconds')"), Sql("k"), Sql("count(*) AS n")]);
        var plan = QueryPlanner.Plan(counts, _ => EventSchema, "append");

        var json = StageGraphJson.Write(plan, "memory");
        var graph = JsonElement.Parse(json);

        Assert.Equal("memory", graph.GetProperty("sink").GetString());
        var stages = graph.GetProperty("stages").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2], stages.Select(s => s.GetProperty("id").GetInt32()));
        Assert.Equal(["keyed", "keyed", "source"], stages.Select(s => s.GetProperty("kind").GetString()));
        Assert.Equal("dedupe", stages[0].GetProperty("operator").GetString());
        Assert.Equal("stateStoreSave", stages[1].GetProperty("operator").GetString());
        Assert.Equal("kafka", stages[2].GetProperty("leaf").GetString());
        Assert.Contains("Watermark", stages[2].GetProperty("pipeline").EnumerateArray().Select(p => p.GetString()));
        var input = Assert.Single(stages[1].GetProperty("inputs").EnumerateArray());
        Assert.Equal(0, input.GetProperty("stage").GetInt32());
        Assert.Equal("KeyGroups", input.GetProperty("exchange").GetString());
        Assert.Equal(JsonValueKind.Null, Assert.Single(stages[1].GetProperty("outputs").EnumerateArray()).GetProperty("stage").ValueKind);
        Assert.Equal(JsonValueKind.Null, Assert.Single(stages[2].GetProperty("inputs").EnumerateArray()).GetProperty("stage").ValueKind);
        Assert.DoesNotContain("hunter2", json, StringComparison.Ordinal);
    }
}
